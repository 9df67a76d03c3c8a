package io.pymem4j.bench;

import io.pymem4j.api.PyMemAllocatorEx;

import java.lang.invoke.MethodHandle;

/**
 * jemalloc through FFM downcalls, as a peer: what a Java program gets by binding
 * {@code libjemalloc.so.2} (Debian's {@code libjemalloc2}, which exports the unprefixed
 * names) itself. The handles are {@code static final} and critical, as allocator-raw's libc
 * ones, so the two compare like for like. The edge cases are CPython's raw layer's and the C
 * replayer's: 0 bytes become 1, a calloc with a zero argument becomes {@code calloc(1, 1)},
 * negative sizes and overflowing products give 0. Blocks under 16 bytes are 8-byte aligned
 * (jemalloc's 8-byte size class). The JVM must start with
 * {@code GLIBC_TUNABLES=glibc.rtld.optional_static_tls=65536} in its environment to load the
 * library; use this class only after {@link #unavailable()} said null: the first call opens it.
 */
public final class JemallocAllocator implements PyMemAllocatorEx {

    /** The library, as the dynamic linker finds it. */
    public static final String SONAME = "libjemalloc.so.2";
    private static final String PREFIX = "";

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
    public static final JemallocAllocator INSTANCE = new JemallocAllocator();

    private JemallocAllocator() {
    }

    /** Why this peer cannot run in this JVM, or null when it can. */
    public static String unavailable() {
        return NativeLibraries.unavailable(SONAME, PREFIX, "install libjemalloc2, and start the JVM with GLIBC_TUNABLES="
                + NativeLibraries.JEMALLOC_TUNABLES);
    }

    @Override
    public long malloc(long size) {
        if (size < 0) {
            return 0;
        }
        try {
            return (long) Handles.MALLOC.invokeExact(size == 0 ? 1 : size);
        } catch (Throwable t) {
            throw NativeLibraries.rethrow(t);
        }
    }

    @Override
    public long calloc(long nelem, long elsize) {
        if (PyMemAllocatorEx.callocOverflows(nelem, elsize)) {
            return 0;
        }
        boolean empty = nelem == 0 || elsize == 0;
        try {
            return (long) Handles.CALLOC.invokeExact(empty ? 1 : nelem, empty ? 1 : elsize);
        } catch (Throwable t) {
            throw NativeLibraries.rethrow(t);
        }
    }

    @Override
    public long realloc(long ptr, long newSize) {
        if (newSize < 0) {
            return 0;
        }
        try {
            return (long) Handles.REALLOC.invokeExact(ptr, newSize == 0 ? 1 : newSize);
        } catch (Throwable t) {
            throw NativeLibraries.rethrow(t);
        }
    }

    @Override
    public void free(long ptr) {
        if (ptr != 0) {
            try {
                Handles.FREE.invokeExact(ptr);
            } catch (Throwable t) {
                throw NativeLibraries.rethrow(t);
            }
        }
    }

    @Override
    public String toString() {
        return "jemalloc";
    }
}
