/**
 * The system allocator, layer 0 of CPython's picture: libc's malloc family and anonymous
 * mmap arenas, called through FFM downcall handles ({@link io.pymem4j.raw.LibC}).
 *
 * <pre>
 *   MEM / OBJ  -> pymalloc -----------+   (0-byte, large and foreign requests)
 *   RAW -------------------------------+-> LibcAllocator ("malloc") -> libc malloc
 *   pymalloc arenas -> MmapArenaAllocator ("mmap") -> mmap / munmap
 * </pre>
 */
package io.pymem4j.raw;
