package io.pymem4j.raw;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The libc functions pymem4j calls, as downcall handles.
 *
 * <p>Pointers and sizes cross as {@code JAVA_LONG} (on the 64-bit platforms FFM supports,
 * {@code void*} and {@code size_t} are 64-bit integers in the same registers), so no
 * {@code MemorySegment} is made per call. malloc, calloc, realloc and free are
 * {@linkplain Linker.Option#critical(boolean) critical}: they never call back into Java and
 * are short, so the thread-state transition, a large share of a small allocation's cost, is
 * skipped; the price is that a GC waits for a call that happens to take a lock or mmap.
 * mmap and munmap are system calls and keep the ordinary transition.
 */
final class LibC {

    static final MethodHandle MALLOC;
    static final MethodHandle CALLOC;
    static final MethodHandle REALLOC;
    static final MethodHandle FREE;
    static final MethodHandle MMAP;
    static final MethodHandle MUNMAP;

    static {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        if (ADDRESS.byteSize() != Long.BYTES) {
            throw new ExceptionInInitializerError("pymem4j needs a 64-bit platform");
        }
        Linker.Option critical = Linker.Option.critical(false);
        MALLOC = downcall(linker, libc, "malloc", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG), critical);
        CALLOC = downcall(linker, libc, "calloc", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG), critical);
        REALLOC = downcall(linker, libc, "realloc", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG), critical);
        FREE = downcall(linker, libc, "free", FunctionDescriptor.ofVoid(JAVA_LONG), critical);
        MMAP = downcall(linker, libc, "mmap",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
        MUNMAP = downcall(linker, libc, "munmap", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
    }

    private LibC() {
    }

    private static MethodHandle downcall(Linker linker, SymbolLookup lookup, String name, FunctionDescriptor fd,
                                         Linker.Option... options) {
        return linker.downcallHandle(
                lookup.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name)), fd, options);
    }

    static long malloc(long size) {
        try {
            return (long) MALLOC.invokeExact(size);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long calloc(long nelem, long elsize) {
        try {
            return (long) CALLOC.invokeExact(nelem, elsize);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long realloc(long ptr, long size) {
        try {
            return (long) REALLOC.invokeExact(ptr, size);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void free(long ptr) {
        try {
            FREE.invokeExact(ptr);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long mmap(long addr, long length, int prot, int flags, int fd, long offset) {
        try {
            return (long) MMAP.invokeExact(addr, length, prot, flags, fd, offset);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int munmap(long addr, long length) {
        try {
            return (int) MUNMAP.invokeExact(addr, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A downcall throws only what the JVM throws (errors); nothing checked can come out. */
    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t);
    }
}
