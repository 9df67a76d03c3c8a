/**
 * CPython's allocator contract, for Java: what users of an allocator and the providers of
 * one share. It names neither the provider SPI nor the runtime that assembles stacks.
 *
 * <pre>
 *   PyMemRuntime (io.pymem4j.runtime)  one per stack user; getDefault() is configured by
 *     RAW  --+                         pymem4j.malloc or PYMEM4J_MALLOC
 *     MEM  --+--> top layer --> ... hooks ... --> backend  --> native memory
 *     OBJ  --+     (tracemalloc)   (debug)      (pymalloc, malloc, a third party's)
 *     arena allocator (mmap) -- whole arenas for backends that carve them
 * </pre>
 *
 * <ul>
 *   <li>{@link io.pymem4j.api.PyMemAllocatorEx}: one domain's allocator, on native
 *       addresses held in {@code long}s, with CPython's contract.</li>
 *   <li>{@link io.pymem4j.api.PyMemAllocatorDomain}: RAW, MEM, OBJ.</li>
 *   <li>{@link io.pymem4j.api.PyObjectArenaAllocator}: where arenas come from.</li>
 *   <li>{@link io.pymem4j.api.NativeMemory}: the one accessor for native memory by address.</li>
 *   <li>{@link io.pymem4j.api.InterpreterLock}: the lock of a runtime in GIL mode.</li>
 *   <li>{@link io.pymem4j.api.AllocatorSetupException}: a stack that cannot be set up.</li>
 * </ul>
 * The providers that make up stacks are in {@link io.pymem4j.spi}; the runtime that
 * assembles them, the user's entry point, in {@link io.pymem4j.runtime}. The packages
 * depend in that order only: runtime on spi and api, spi on api.
 */
package io.pymem4j.api;
