package io.pymem4j.bench;

import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.spi.MallocFamily;

import java.lang.invoke.MethodHandle;

/**
 * mimalloc through FFM downcalls, as a peer: what a Java program gets by binding
 * {@code libmimalloc.so.2} (Debian's {@code libmimalloc2.0}) itself, through its {@code mi_}
 * names. The handles are {@code static final} and critical, as allocator-raw's libc ones, so
 * the two compare like for like. The edge cases are CPython's raw layer's, as
 * {@link MallocFamily#rawMalloc} and friends implement them. Blocks under 16 bytes are
 * 8-byte aligned (mimalloc's 8-byte size class). Use this class only after {@link #unavailable()} said null:
 * the first call opens the library.
 */
public final class MimallocPeer implements PyMemAllocatorEx {

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
            MallocFamily.Downcalls h = MallocFamily.bind(MallocFamily.open(SONAME), SONAME, PREFIX);
            MALLOC = h.malloc();
            CALLOC = h.calloc();
            REALLOC = h.realloc();
            FREE = h.free();
        }
    }

    /** The one instance: the state is the library's. */
    public static final MimallocPeer INSTANCE = new MimallocPeer();

    private MimallocPeer() {
    }

    /** Why this peer cannot run in this JVM, or null when it can. */
    public static String unavailable() {
        return MallocFamily.unusable(SONAME, PREFIX, "install libmimalloc2.0");
    }

    @Override
    public long malloc(long size) {
        return MallocFamily.rawMalloc(Handles.MALLOC, size);
    }

    @Override
    public long calloc(long nelem, long elsize) {
        return MallocFamily.rawCalloc(Handles.CALLOC, nelem, elsize);
    }

    @Override
    public long realloc(long ptr, long newSize) {
        return MallocFamily.rawRealloc(Handles.REALLOC, ptr, newSize);
    }

    @Override
    public void free(long ptr) {
        MallocFamily.free(Handles.FREE, ptr);
    }

    @Override
    public String toString() {
        return "mimalloc";
    }
}
