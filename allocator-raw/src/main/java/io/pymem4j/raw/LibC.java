package io.pymem4j.raw;

import io.pymem4j.spi.MallocFamily;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The libc functions pymem4j calls, as downcall handles in {@code static final} fields.
 *
 * <p>malloc, calloc, realloc and free are bound by {@link MallocFamily} (critical downcalls,
 * pointers and sizes as {@code JAVA_LONG}) and called through its methods with these
 * handles. mmap and munmap are system calls and keep the ordinary thread-state transition.
 */
final class LibC {

    static final MethodHandle MALLOC;
    static final MethodHandle CALLOC;
    static final MethodHandle REALLOC;
    static final MethodHandle FREE;
    /** {@code aligned_alloc(alignment, size)}, C11; glibc's {@code free} takes its blocks. */
    static final MethodHandle ALIGNED_ALLOC;
    static final MethodHandle MMAP;
    static final MethodHandle MUNMAP;

    static {
        if (!MallocFamily.wordSizedPointers()) {
            throw new ExceptionInInitializerError("pymem4j needs a 64-bit platform");
        }
        SymbolLookup libc = MallocFamily.defaultLookup();
        MallocFamily.Downcalls family = MallocFamily.bind(libc, "libc", "");
        MALLOC = family.malloc();
        CALLOC = family.calloc();
        REALLOC = family.realloc();
        FREE = family.free();
        ALIGNED_ALLOC = MallocFamily.downcall(libc, "libc", "aligned_alloc",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG), MallocFamily.CRITICAL);
        MMAP = MallocFamily.downcall(libc, "libc", "mmap",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
        MUNMAP = MallocFamily.downcall(libc, "libc", "munmap", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
    }

    private LibC() {
    }

    // Each call reads its own static final handle, which the JIT folds into the downcall
    // whether or not this method is inlined into its caller; a handle passed as an argument
    // is a constant only where the callee is inlined.

    static long malloc(long size) {
        try {
            return (long) MALLOC.invokeExact(size);
        } catch (Throwable t) {
            throw MallocFamily.rethrow(t);
        }
    }

    static long calloc(long nelem, long elsize) {
        try {
            return (long) CALLOC.invokeExact(nelem, elsize);
        } catch (Throwable t) {
            throw MallocFamily.rethrow(t);
        }
    }

    static long realloc(long ptr, long newSize) {
        try {
            return (long) REALLOC.invokeExact(ptr, newSize);
        } catch (Throwable t) {
            throw MallocFamily.rethrow(t);
        }
    }

    static void free(long ptr) {
        try {
            FREE.invokeExact(ptr);
        } catch (Throwable t) {
            throw MallocFamily.rethrow(t);
        }
    }

    static long alignedAlloc(long alignment, long size) {
        try {
            return (long) ALIGNED_ALLOC.invokeExact(alignment, size);
        } catch (Throwable t) {
            throw MallocFamily.rethrow(t);
        }
    }

    static long mmap(long addr, long length, int prot, int flags, int fd, long offset) {
        try {
            return (long) MMAP.invokeExact(addr, length, prot, flags, fd, offset);
        } catch (Throwable t) {
            throw MallocFamily.rethrow(t);
        }
    }

    static int munmap(long addr, long length) {
        try {
            return (int) MUNMAP.invokeExact(addr, length);
        } catch (Throwable t) {
            throw MallocFamily.rethrow(t);
        }
    }
}
