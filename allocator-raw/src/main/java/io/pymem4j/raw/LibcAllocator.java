package io.pymem4j.raw;

import io.pymem4j.api.PyMemAllocatorEx;

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
        if (size < 0) {
            return 0;
        }
        return LibC.malloc(size == 0 ? 1 : size);
    }

    @Override
    public long calloc(long nelem, long elsize) {
        if (PyMemAllocatorEx.callocOverflows(nelem, elsize)) {
            return 0;
        }
        if (nelem == 0 || elsize == 0) {
            return LibC.calloc(1, 1);
        }
        return LibC.calloc(nelem, elsize);
    }

    @Override
    public long realloc(long ptr, long newSize) {
        if (newSize < 0) {
            return 0;
        }
        return LibC.realloc(ptr, newSize == 0 ? 1 : newSize);
    }

    @Override
    public void free(long ptr) {
        if (ptr != 0) {
            LibC.free(ptr);
        }
    }

    @Override
    public String toString() {
        return "malloc";
    }
}
