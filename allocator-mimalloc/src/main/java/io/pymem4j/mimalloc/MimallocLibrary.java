package io.pymem4j.mimalloc;

import io.pymem4j.spi.MallocFamily;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
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
 * {@link MallocFamily#open(String)}. Opened that way, the library's own
 * {@code malloc} does not replace libc's for the rest of the process: only the {@code mi_*}
 * calls made here reach mimalloc. When it cannot be opened, or lacks a symbol,
 * {@link #UNAVAILABLE} says why and what to install, and no downcall is made.
 *
 * <p>As for libc (see allocator-raw), the handles are {@link MallocFamily}'s: pointers and
 * sizes cross as {@code JAVA_LONG} and the allocation calls and {@code mi_usable_size} are
 * critical; {@code mi_version} and {@code mi_process_info} keep the ordinary transition.
 */
final class MimallocLibrary {

    /** The option naming the library, read as the system property {@value #LIBRARY_PROPERTY}. */
    static final String LIBRARY_OPTION = "mimalloc.library";
    /** System property naming the library file to open. */
    static final String LIBRARY_PROPERTY = "pymem4j." + LIBRARY_OPTION;
    /** Environment variable naming the library file, read when the property is unset. */
    static final String LIBRARY_ENV = "PYMEM4J_MIMALLOC_LIBRARY";
    /** The soname of mimalloc 2.x, as Debian's libmimalloc2.0 installs it. */
    static final String DEFAULT_LIBRARY = "libmimalloc.so.2";

    /** The library name this JVM tried to open. */
    static final String LIBRARY;
    /** Why mimalloc cannot be used here, or null when it can. */
    static final String UNAVAILABLE;

    // The allocation calls go through MallocFamily's methods with these handles, from
    // MimallocAllocator, where the JIT sees them as constants.
    static final MethodHandle MALLOC;
    static final MethodHandle CALLOC;
    static final MethodHandle REALLOC;
    static final MethodHandle FREE;
    static final MethodHandle USABLE_SIZE;
    /** {@code mi_malloc_aligned(size, alignment)}; {@code mi_free} takes its blocks. */
    static final MethodHandle MALLOC_ALIGNED;
    private static final MethodHandle VERSION;
    private static final MethodHandle PROCESS_INFO;

    static {
        String name = System.getProperty(LIBRARY_PROPERTY);
        if (name == null || name.isBlank()) {
            name = System.getenv(LIBRARY_ENV);
        }
        LIBRARY = name == null || name.isBlank() ? DEFAULT_LIBRARY : name.strip();
        MallocFamily.Downcalls family = null;
        MethodHandle usableSize = null;
        MethodHandle mallocAligned = null;
        MethodHandle version = null;
        MethodHandle processInfo = null;
        String reason = null;
        if (!MallocFamily.wordSizedPointers()) {
            reason = "mimalloc through pymem4j needs a 64-bit platform";
        } else {
            try {
                SymbolLookup lib = MallocFamily.open(LIBRARY);
                // "it": a missing symbol reads "... is not mimalloc 2.x: it has no symbol mi_free".
                family = MallocFamily.bind(lib, "it", "mi_");
                usableSize = MallocFamily.bindUsableSize(lib, "it", "mi_usable_size");
                mallocAligned = MallocFamily.downcall(lib, "it", "mi_malloc_aligned",
                        FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG), MallocFamily.CRITICAL);
                version = MallocFamily.downcall(lib, "it", "mi_version", FunctionDescriptor.of(JAVA_INT));
                // elapsed, user, system (ms), current and peak RSS, current and peak commit (bytes), page faults
                processInfo = MallocFamily.downcall(lib, "it", "mi_process_info", FunctionDescriptor.ofVoid(
                        ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
            } catch (IllegalArgumentException e) {
                reason = "the native library " + LIBRARY + " could not be opened (" + e.getMessage() + "); "
                        + installHint();
            } catch (UnsatisfiedLinkError e) {
                reason = "the native library " + LIBRARY + " is not mimalloc 2.x: " + e.getMessage() + "; " + installHint();
            }
        }
        UNAVAILABLE = reason;
        MALLOC = family == null ? null : family.malloc();
        CALLOC = family == null ? null : family.calloc();
        REALLOC = family == null ? null : family.realloc();
        FREE = family == null ? null : family.free();
        USABLE_SIZE = usableSize;
        MALLOC_ALIGNED = mallocAligned;
        VERSION = version;
        PROCESS_INFO = processInfo;
    }

    private MimallocLibrary() {
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

    static long mallocAligned(long size, long alignment) {
        try {
            return (long) MALLOC_ALIGNED.invokeExact(size, alignment);
        } catch (Throwable t) {
            throw MallocFamily.rethrow(t);
        }
    }

    static long usableSize(long ptr) {
        try {
            return (long) USABLE_SIZE.invokeExact(ptr);
        } catch (Throwable t) {
            throw MallocFamily.rethrow(t);
        }
    }

    private static String installHint() {
        return "install mimalloc 2.x (Debian and Ubuntu: apt-get install libmimalloc2.0) or name its file with -D"
                + LIBRARY_PROPERTY + "=/path/to/libmimalloc.so.2";
    }

    /** {@code mi_version()} as {@code major.minor.patch} (it returns e.g. 209 for 2.0.9). */
    static String version() {
        try {
            int v = (int) VERSION.invokeExact();
            return String.format(Locale.ROOT, "%d.%d.%d", v / 100, v / 10 % 10, v % 10);
        } catch (Throwable t) {
            throw MallocFamily.rethrow(t);
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
            throw MallocFamily.rethrow(t);
        }
    }
}
