package io.pymem4j.bench;

import io.pymem4j.api.PyMemAllocatorEx;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Finding a shared library's malloc family and making downcall handles for it, for the
 * peers reached through FFM. Libraries are opened once, in the global arena: they stay
 * loaded for the JVM's life, as the allocators' blocks may.
 */
final class NativeLibraries {

    /**
     * The glibc tunable a process needs, set before it starts, to {@code dlopen} Debian's
     * {@code libjemalloc.so.2}: jemalloc uses initial-exec TLS, which fits only in an
     * enlarged static TLS surplus. Without it the open fails.
     */
    static final String JEMALLOC_TUNABLES = "glibc.rtld.optional_static_tls=65536";

    /** Where Debian and its relatives keep shared libraries, multiarch first. */
    private static final List<String> LIBRARY_DIRS = List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
            "/usr/lib64", "/usr/lib", "/usr/local/lib");

    private NativeLibraries() {
    }

    /**
     * The library {@code soname}, or empty when it cannot be opened (not installed, or not
     * loadable here). The distribution's copy is opened by its path where one of the usual
     * library directories has it: opened by soname alone, a library already loaded under the
     * same soname would be returned instead (LWJGL's bundled jemalloc calls itself
     * {@code libjemalloc.so.2}).
     */
    static Optional<SymbolLookup> open(String soname) {
        for (String dir : LIBRARY_DIRS) {
            Path p = Path.of(dir, soname);
            if (Files.isRegularFile(p)) {
                try {
                    return Optional.of(SymbolLookup.libraryLookup(p, Arena.global()));
                } catch (IllegalArgumentException | IllegalCallerException e) {
                    return Optional.empty();
                }
            }
        }
        try {
            return Optional.of(SymbolLookup.libraryLookup(soname, Arena.global()));
        } catch (IllegalArgumentException | IllegalCallerException e) {
            return Optional.empty();
        }
    }

    /**
     * Why {@code soname} cannot serve as an allocator, or null when it can: it opens, it has
     * {@code malloc} (named {@code prefix + "malloc"}), and that is not the process's own
     * malloc (which would measure libc under another name).
     */
    static String unavailable(String soname, String prefix, String hint) {
        Optional<SymbolLookup> lib = open(soname);
        if (lib.isEmpty()) {
            return soname + " cannot be opened: " + hint;
        }
        Optional<MemorySegment> malloc = lib.get().find(prefix + "malloc");
        if (malloc.isEmpty()) {
            return soname + " has no " + prefix + "malloc";
        }
        Optional<MemorySegment> libc = Linker.nativeLinker().defaultLookup().find("malloc");
        if (libc.isPresent() && libc.get().address() == malloc.get().address()) {
            return soname + "'s " + prefix + "malloc is the process's malloc (preloaded, or not the allocator library?)";
        }
        return null;
    }

    /** The four handles of {@code soname}'s {@code prefix}malloc family, critical as allocator-raw's libc ones. */
    static MethodHandle[] mallocFamily(String soname, String prefix) {
        SymbolLookup lib = open(soname).orElseThrow(() -> new UnsatisfiedLinkError("cannot open " + soname));
        Linker linker = Linker.nativeLinker();
        Linker.Option critical = Linker.Option.critical(false);
        return new MethodHandle[] {
            linker.downcallHandle(find(lib, soname, prefix + "malloc"), FunctionDescriptor.of(JAVA_LONG, JAVA_LONG), critical),
            linker.downcallHandle(find(lib, soname, prefix + "calloc"),
                    FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG), critical),
            linker.downcallHandle(find(lib, soname, prefix + "realloc"),
                    FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG), critical),
            linker.downcallHandle(find(lib, soname, prefix + "free"), FunctionDescriptor.ofVoid(JAVA_LONG), critical),
        };
    }

    private static MemorySegment find(SymbolLookup lib, String soname, String symbol) {
        return lib.find(symbol).orElseThrow(() -> new UnsatisfiedLinkError(soname + " has no " + symbol));
    }

    // The calls through a malloc family's handles, with the edge cases of CPython's raw layer
    // and the C replayer: 0 bytes become 1, a calloc with a zero argument becomes
    // calloc(1, 1), negative sizes and overflowing products give 0. Each peer passes its
    // static final handle, so once these are inlined the handle is a constant and the
    // downcall inlines as if written in the peer.

    static long malloc(MethodHandle malloc, long size) {
        if (size < 0) {
            return 0;
        }
        try {
            return (long) malloc.invokeExact(size == 0 ? 1 : size);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long calloc(MethodHandle calloc, long nelem, long elsize) {
        if (PyMemAllocatorEx.callocOverflows(nelem, elsize)) {
            return 0;
        }
        boolean empty = nelem == 0 || elsize == 0;
        try {
            return (long) calloc.invokeExact(empty ? 1 : nelem, empty ? 1 : elsize);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long realloc(MethodHandle realloc, long ptr, long newSize) {
        if (newSize < 0) {
            return 0;
        }
        try {
            return (long) realloc.invokeExact(ptr, newSize == 0 ? 1 : newSize);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void free(MethodHandle free, long ptr) {
        if (ptr != 0) {
            try {
                free.invokeExact(ptr);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }
    }

    /** A downcall throws only what the JVM throws; nothing checked comes out. */
    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t);
    }
}
