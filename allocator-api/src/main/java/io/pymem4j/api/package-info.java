/**
 * CPython's allocator architecture, for Java: domains, allocators and the runtime that
 * holds a stack of them.
 *
 * <pre>
 *   PyMemRuntime            one per stack user; getDefault() is configured by pymem4j.malloc
 *     RAW  --+                                          or PYMEM4J_MALLOC
 *     MEM  --+--> top layer --> ... hooks ... --> backend  --> native memory
 *     OBJ  --+     (tracemalloc)   (debug)      (pymalloc, malloc, a third party's)
 *     arena allocator (mmap) -- whole arenas for backends that carve them
 * </pre>
 *
 * <ul>
 *   <li>{@link io.pymem4j.api.PyMemAllocatorEx}: one domain's allocator, on native
 *       addresses held in {@code long}s, with CPython's contract.</li>
 *   <li>{@link io.pymem4j.api.PyMemAllocatorDomain}: RAW, MEM, OBJ.</li>
 *   <li>{@link io.pymem4j.runtime.PyMemRuntime}: get/set per domain, {@code setupAllocators(name)},
 *       the stack's name, per-domain convenience calls, segment views and a
 *       {@link java.lang.foreign.SegmentAllocator} over any domain.</li>
 *   <li>{@link io.pymem4j.runtime.StackSpec}: the grammar of stack names.</li>
 *   <li>{@link io.pymem4j.api.NativeMemory}: the one accessor for native memory by address.</li>
 *   <li>{@link io.pymem4j.runtime.PyMemManagement}: a runtime as the JMX MXBean
 *       {@link io.pymem4j.runtime.PyMemRuntimeMXBean}, {@code io.pymem4j:type=PyMemRuntime,name=<stack>,id=<n>}.</li>
 * </ul>
 * The providers that make up stacks are in {@link io.pymem4j.spi}.
 */
package io.pymem4j.api;
