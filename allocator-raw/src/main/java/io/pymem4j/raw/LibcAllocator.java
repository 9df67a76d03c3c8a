package io.pymem4j.raw;

import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.spi.MallocFamily;

/**
 * The system allocator: libc's malloc family, as CPython's {@code _PyMem_RawMalloc} and
 * friends wrap it.
 *
 * <p>The edge cases are CPython's raw layer's: a 0-byte request becomes a 1-byte one (so
 * {@code malloc(0)} and {@code realloc(p, 0)} return a distinct non-NULL block and never
 * free), {@code calloc} with a zero argument becomes {@code calloc(1, 1)}, and sizes above
 * {@code PY_SSIZE_T_MAX} (negative longs) and overflowing calloc products return 0
 * without reaching libc. A pointer libc did not hand out is undefined behaviour in libc
 * (glibc usually aborts the process), as it is in CPython: put the debug layer on top to
 * get a report instead. Stateless and thread-safe: libc is.
 */
public final class LibcAllocator implements PyMemAllocatorEx {

    /** The one instance: it has no state. */
    public static final LibcAllocator INSTANCE = new LibcAllocator();

    private LibcAllocator() {
    }

    @Override
    public long malloc(long size) {
        return MallocFamily.rawMalloc(LibC.MALLOC, size);
    }

    @Override
    public long calloc(long nelem, long elsize) {
        return MallocFamily.rawCalloc(LibC.CALLOC, nelem, elsize);
    }

    @Override
    public long realloc(long ptr, long newSize) {
        return MallocFamily.rawRealloc(LibC.REALLOC, ptr, newSize);
    }

    @Override
    public void free(long ptr) {
        MallocFamily.free(LibC.FREE, ptr);
    }

    @Override
    public String toString() {
        return "malloc";
    }
}
