package io.pymem4j.mimalloc;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The system's libmimalloc, opened once per JVM, and the downcalls into it.
 *
 * <p>The library is the one named by the system property {@value #LIBRARY_PROPERTY}, else
 * the environment variable {@value #LIBRARY_ENV}, else {@value #DEFAULT_LIBRARY} (the
 * Debian package libmimalloc2.0), opened with {@code dlopen} through
 * {@link SymbolLookup#libraryLookup(String, Arena)}. Opened that way, the library's own
 * {@code malloc} does not replace libc's for the rest of the process: only the {@code mi_*}
 * calls made here reach mimalloc. When it cannot be opened, or lacks a symbol,
 * {@link #UNAVAILABLE} says why and what to install, and no downcall is made.
 *
 * <p>As for libc (see allocator-raw), pointers and sizes cross as {@code JAVA_LONG} and the
 * allocation calls are {@linkplain Linker.Option#critical(boolean) critical}: they never call
 * back into Java and are short.
 */
final class MimallocLibrary {

    /** System property naming the library file to open. */
    static final String LIBRARY_PROPERTY = "pymem4j.mimalloc.library";
    /** Environment variable naming the library file, read when the property is unset. */
    static final String LIBRARY_ENV = "PYMEM4J_MIMALLOC_LIBRARY";
    /** The soname of mimalloc 2.x, as Debian's libmimalloc2.0 installs it. */
    static final String DEFAULT_LIBRARY = "libmimalloc.so.2";

    /** The library name this JVM tried to open. */
    static final String LIBRARY;
    /** Why mimalloc cannot be used here, or null when it can. */
    static final String UNAVAILABLE;

    private static final MethodHandle MALLOC;
    private static final MethodHandle CALLOC;
    private static final MethodHandle REALLOC;
    private static final MethodHandle FREE;
    private static final MethodHandle USABLE_SIZE;
    private static final MethodHandle VERSION;
    private static final MethodHandle PROCESS_INFO;

    static {
        String name = System.getProperty(LIBRARY_PROPERTY);
        if (name == null || name.isBlank()) {
            name = System.getenv(LIBRARY_ENV);
        }
        LIBRARY = name == null || name.isBlank() ? DEFAULT_LIBRARY : name.strip();
        MethodHandle[] h = new MethodHandle[7];
        String reason = null;
        if (ADDRESS.byteSize() != Long.BYTES) {
            reason = "mimalloc through pymem4j needs a 64-bit platform";
        } else {
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup lib = SymbolLookup.libraryLookup(LIBRARY, Arena.global());
                Linker.Option critical = Linker.Option.critical(false);
                h[0] = downcall(linker, lib, "mi_malloc", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG), critical);
                h[1] = downcall(linker, lib, "mi_calloc", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG), critical);
                h[2] = downcall(linker, lib, "mi_realloc", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG), critical);
                h[3] = downcall(linker, lib, "mi_free", FunctionDescriptor.ofVoid(JAVA_LONG), critical);
                h[4] = downcall(linker, lib, "mi_usable_size", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG), critical);
                h[5] = downcall(linker, lib, "mi_version", FunctionDescriptor.of(JAVA_INT));
                // elapsed, user, system (ms), current and peak RSS, current and peak commit (bytes), page faults
                h[6] = downcall(linker, lib, "mi_process_info", FunctionDescriptor.ofVoid(
                        ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
            } catch (IllegalArgumentException e) {
                reason = "the native library " + LIBRARY + " could not be opened (" + e.getMessage() + "); "
                        + installHint();
            } catch (UnsatisfiedLinkError e) {
                reason = "the native library " + LIBRARY + " is not mimalloc 2.x: " + e.getMessage() + "; " + installHint();
            }
        }
        UNAVAILABLE = reason;
        MALLOC = h[0];
        CALLOC = h[1];
        REALLOC = h[2];
        FREE = h[3];
        USABLE_SIZE = h[4];
        VERSION = h[5];
        PROCESS_INFO = h[6];
    }

    private MimallocLibrary() {
    }

    private static String installHint() {
        return "install mimalloc 2.x (Debian and Ubuntu: apt-get install libmimalloc2.0) or name its file with -D"
                + LIBRARY_PROPERTY + "=/path/to/libmimalloc.so.2";
    }

    private static MethodHandle downcall(Linker linker, SymbolLookup lookup, String name, FunctionDescriptor fd,
                                         Linker.Option... options) {
        MemorySegment symbol = lookup.find(name).orElseThrow(() -> new UnsatisfiedLinkError("it has no symbol " + name));
        return linker.downcallHandle(symbol, fd, options);
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

    static long usableSize(long ptr) {
        try {
            return (long) USABLE_SIZE.invokeExact(ptr);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code mi_version()} as {@code major.minor.patch} (it returns e.g. 209 for 2.0.9). */
    static String version() {
        try {
            int v = (int) VERSION.invokeExact();
            return String.format(Locale.ROOT, "%d.%d.%d", v / 100, v / 10 % 10, v % 10);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** What {@code mi_process_info} reports for the whole process. */
    record ProcessInfo(long elapsedMillis, long userMillis, long systemMillis, long currentRss, long peakRss,
                       long currentCommit, long peakCommit, long pageFaults) {
    }

    static ProcessInfo processInfo() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG, 8);
            PROCESS_INFO.invokeExact(out, out.asSlice(8), out.asSlice(16), out.asSlice(24), out.asSlice(32),
                    out.asSlice(40), out.asSlice(48), out.asSlice(56));
            long[] v = out.toArray(JAVA_LONG);
            return new ProcessInfo(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
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
