package io.pymem4j.bench;

import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.spi.MallocFamily;

import java.lang.invoke.MethodHandle;

/**
 * jemalloc through FFM downcalls, as a peer: what a Java program gets by binding
 * {@code libjemalloc.so.2} (Debian's {@code libjemalloc2}, which exports the unprefixed
 * names) itself. The handles are {@code static final} and critical, as allocator-raw's libc
 * ones, so the two compare like for like. The edge cases are CPython's raw layer's, as
 * {@link MallocFamily#rawMalloc} and friends implement them. Blocks under 16 bytes are
 * 8-byte aligned (jemalloc's 8-byte size class). The JVM must start with
 * {@code GLIBC_TUNABLES=glibc.rtld.optional_static_tls=65536} in its environment to load the
 * library; use this class only after {@link #unavailable()} said null: the first call opens it.
 */
public final class JemallocPeer implements PyMemAllocatorEx {

    /** The library, as the dynamic linker finds it. */
    public static final String SONAME = "libjemalloc.so.2";
    private static final String PREFIX = "";

    /**
     * The glibc tunable a process needs, set before it starts, to {@code dlopen} Debian's
     * {@code libjemalloc.so.2}: jemalloc uses initial-exec TLS, which fits only in an
     * enlarged static TLS surplus. Without it the open fails.
     */
    static final String GLIBC_TUNABLES = "glibc.rtld.optional_static_tls=65536";

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
    public static final JemallocPeer INSTANCE = new JemallocPeer();

    private JemallocPeer() {
    }

    /** Why this peer cannot run in this JVM, or null when it can. */
    public static String unavailable() {
        return MallocFamily.unusable(SONAME, PREFIX, "install libjemalloc2, and start the JVM with GLIBC_TUNABLES="
                + GLIBC_TUNABLES);
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
        return "jemalloc";
    }
}
