package io.pymem4j.bench;

import io.pymem4j.api.PyMemAllocatorEx;

import java.lang.invoke.MethodHandle;

/**
 * mimalloc through FFM downcalls, as a peer: what a Java program gets by binding
 * {@code libmimalloc.so.2} (Debian's {@code libmimalloc2.0}) itself, through its {@code mi_}
 * names. The handles are {@code static final} and critical, as allocator-raw's libc ones, so
 * the two compare like for like. The edge cases are those of
 * {@link NativeLibraries}'s calls. Blocks under 16 bytes are 8-byte aligned
 * (mimalloc's 8-byte size class). Use this class only after {@link #unavailable()} said null:
 * the first call opens the library.
 */
public final class MimallocAllocator implements PyMemAllocatorEx {

    /** The library, as the dynamic linker finds it. */
    public static final String SONAME = "libmimalloc.so.2";
    private static final String PREFIX = "mi_";

    /** The downcall handles, in a holder so that {@link #unavailable()} can run before (and instead of) opening the library. */
    private static final class Handles {
        static final MethodHandle MALLOC;
        static final MethodHandle CALLOC;
        static final MethodHandle REALLOC;
        static final MethodHandle FREE;

        static {
            MethodHandle[] h = NativeLibraries.mallocFamily(SONAME, PREFIX);
            MALLOC = h[0];
            CALLOC = h[1];
            REALLOC = h[2];
            FREE = h[3];
        }
    }

    /** The one instance: the state is the library's. */
    public static final MimallocAllocator INSTANCE = new MimallocAllocator();

    private MimallocAllocator() {
    }

    /** Why this peer cannot run in this JVM, or null when it can. */
    public static String unavailable() {
        return NativeLibraries.unavailable(SONAME, PREFIX, "install libmimalloc2.0");
    }

    @Override
    public long malloc(long size) {
        return NativeLibraries.malloc(Handles.MALLOC, size);
    }

    @Override
    public long calloc(long nelem, long elsize) {
        return NativeLibraries.calloc(Handles.CALLOC, nelem, elsize);
    }

    @Override
    public long realloc(long ptr, long newSize) {
        return NativeLibraries.realloc(Handles.REALLOC, ptr, newSize);
    }

    @Override
    public void free(long ptr) {
        NativeLibraries.free(Handles.FREE, ptr);
    }

    @Override
    public String toString() {
        return "mimalloc";
    }
}
