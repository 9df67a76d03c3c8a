package io.pymem4j.spi;

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

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The FFM binding of a C library's malloc family ({@code malloc}, {@code calloc},
 * {@code realloc}, {@code free}, under an optional symbol prefix), shared by every provider
 * that calls one: opening the library, making the downcall handles, and the calls' edge
 * cases.
 *
 * <p>Speed decides the shape. The JIT constant-folds a {@code static final} field, not an
 * instance field or a map entry, and only a constant handle lets a downcall inline. So this
 * class keeps no handle: a binding class stores what {@link #bind} and {@link #downcall}
 * make in its own {@code static final} fields. A backend on a hot path calls each handle in a
 * method of its own binding class, where the handle is a constant whether or not the JIT
 * inlines that method into its caller (allocator-raw's and allocator-mimalloc's do). The
 * static call methods here ({@link #rawMalloc}, {@link #malloc}, {@link #free} ...) take the
 * handle as an argument and share the edge cases; the handle is a constant only where they
 * are inlined, which suits callers with shallow call sites (the benchmarks' peers).
 *
 * <p>Pointers and sizes cross as {@code JAVA_LONG} (on the 64-bit platforms FFM supports,
 * {@code void*} and {@code size_t} are 64-bit integers in the same registers), so no
 * {@code MemorySegment} is made per call. The four allocation calls, and a usable-size query,
 * are {@linkplain Linker.Option#critical(boolean) critical}: they never call back into Java
 * and are short, so the thread-state transition, a large share of a small allocation's cost,
 * is skipped; the price is that a GC waits for a call that happens to take a lock or mmap.
 * Other functions (system calls, queries) keep the ordinary transition unless their binding
 * asks otherwise.
 *
 * <p>Libraries are opened once, in the global arena: they stay loaded for the JVM's life, as
 * the blocks they handed out may.
 *
 * @since 0.1
 */
public final class MallocFamily {

    /** The option of the allocation calls' downcalls: no heap access, no upcall. */
    public static final Linker.Option CRITICAL = Linker.Option.critical(false);

    /** Where Debian and its relatives keep shared libraries, multiarch first. */
    private static final List<String> LIBRARY_DIRS = List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
            "/usr/lib64", "/usr/lib", "/usr/local/lib");

    private static final FunctionDescriptor SIZE_TO_POINTER = FunctionDescriptor.of(JAVA_LONG, JAVA_LONG);
    private static final FunctionDescriptor TWO_TO_POINTER = FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG);
    private static final FunctionDescriptor POINTER_TO_VOID = FunctionDescriptor.ofVoid(JAVA_LONG);

    private MallocFamily() {
    }

    /** The four handles of one library's malloc family, for its binding's {@code static final} fields. */
    public record Downcalls(MethodHandle malloc, MethodHandle calloc, MethodHandle realloc, MethodHandle free) {
    }

    /** True where pointers are 64-bit integers, as the {@code JAVA_LONG} descriptors here assume. */
    public static boolean wordSizedPointers() {
        return ADDRESS.byteSize() == Long.BYTES;
    }

    /** The symbols the process already has: the C library's among them. */
    public static SymbolLookup defaultLookup() {
        return Linker.nativeLinker().defaultLookup();
    }

    /**
     * Opens {@code library}, a soname or a path, for the JVM's life. A bare soname is opened
     * by its path where one of the usual library directories has it: opened by soname alone,
     * a library already loaded under the same soname (a copy bundled with another Java
     * library, say) would be returned instead.
     *
     * @throws IllegalArgumentException when the library cannot be opened, with the dynamic
     *         linker's reason
     */
    public static SymbolLookup open(String library) {
        if (library.indexOf('/') < 0) {
            for (String dir : LIBRARY_DIRS) {
                Path p = Path.of(dir, library);
                if (Files.isRegularFile(p)) {
                    return SymbolLookup.libraryLookup(p, Arena.global());
                }
            }
        }
        return SymbolLookup.libraryLookup(library, Arena.global());
    }

    /**
     * Why {@code soname} cannot serve as an allocator, or null when it can: it opens (else
     * {@code "<soname> cannot be opened: <hint>"}, where the hint names the package to
     * install), it has {@code prefix + "malloc"}, and that is not the process's own malloc
     * (which would measure the C library under another name).
     */
    public static String unusable(String soname, String prefix, String hint) {
        SymbolLookup lib;
        try {
            lib = open(soname);
        } catch (IllegalArgumentException | IllegalCallerException e) {
            return soname + " cannot be opened: " + hint;
        }
        Optional<MemorySegment> malloc = lib.find(prefix + "malloc");
        if (malloc.isEmpty()) {
            return soname + " has no " + prefix + "malloc";
        }
        Optional<MemorySegment> own = defaultLookup().find("malloc");
        if (own.isPresent() && own.get().address() == malloc.get().address()) {
            return soname + "'s " + prefix + "malloc is the process's malloc (preloaded, or not the allocator library?)";
        }
        return null;
    }

    /**
     * The critical handles of {@code prefix}malloc, calloc, realloc and free in {@code lib}.
     *
     * @param library what a missing symbol's error calls the library
     * @throws UnsatisfiedLinkError when a symbol is missing: {@code "<library> has no symbol <name>"}
     */
    public static Downcalls bind(SymbolLookup lib, String library, String prefix) {
        return new Downcalls(
                downcall(lib, library, prefix + "malloc", SIZE_TO_POINTER, CRITICAL),
                downcall(lib, library, prefix + "calloc", TWO_TO_POINTER, CRITICAL),
                downcall(lib, library, prefix + "realloc", TWO_TO_POINTER, CRITICAL),
                downcall(lib, library, prefix + "free", POINTER_TO_VOID, CRITICAL));
    }

    /**
     * The critical handle of a usable-size query, {@code size_t symbol(void*)} (e.g.
     * {@code malloc_usable_size}), for {@link #usableSize}.
     */
    public static MethodHandle bindUsableSize(SymbolLookup lib, String library, String symbol) {
        return downcall(lib, library, symbol, SIZE_TO_POINTER, CRITICAL);
    }

    /**
     * The handle of any other function of the library, with the given options (none: the
     * ordinary thread-state transition).
     *
     * @throws UnsatisfiedLinkError when the symbol is missing: {@code "<library> has no symbol <name>"}
     */
    public static MethodHandle downcall(SymbolLookup lib, String library, String symbol, FunctionDescriptor fd,
                                        Linker.Option... options) {
        MemorySegment address = lib.find(symbol)
                .orElseThrow(() -> new UnsatisfiedLinkError(library + " has no symbol " + symbol));
        return Linker.nativeLinker().downcallHandle(address, fd, options);
    }

    // The calls. Two sets of edge cases: CPython's raw layer's (_PyMem_RawMalloc: 0 bytes
    // become 1, so malloc(0) and realloc(p, 0) give a distinct non-NULL block and never
    // free; a calloc with a zero argument becomes calloc(1, 1)), and the library's own answer
    // to 0, where CPython's PyMem_* entry points call a library directly. Both return 0 for sizes
    // above PY_SSIZE_T_MAX (negative longs) and overflowing calloc products without reaching
    // the library, and free(NULL) makes no call.

    /** {@code malloc(size)}, 0 bytes as 1; 0 for a negative size. */
    public static long rawMalloc(MethodHandle malloc, long size) {
        if (size < 0) {
            return 0;
        }
        try {
            return (long) malloc.invokeExact(size == 0 ? 1 : size);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code calloc(nelem, elsize)}, a zero argument as {@code calloc(1, 1)}; 0 when the product overflows. */
    public static long rawCalloc(MethodHandle calloc, long nelem, long elsize) {
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

    /** {@code realloc(ptr, newSize)}, 0 bytes as 1; 0 for a negative size. */
    public static long rawRealloc(MethodHandle realloc, long ptr, long newSize) {
        if (newSize < 0) {
            return 0;
        }
        try {
            return (long) realloc.invokeExact(ptr, newSize == 0 ? 1 : newSize);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code malloc(size)}, 0 bytes left to the library; 0 for a negative size. */
    public static long malloc(MethodHandle malloc, long size) {
        if (size < 0) {
            return 0;
        }
        try {
            return (long) malloc.invokeExact(size);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code calloc(nelem, elsize)}, zero arguments left to the library; 0 when the product overflows. */
    public static long calloc(MethodHandle calloc, long nelem, long elsize) {
        if (PyMemAllocatorEx.callocOverflows(nelem, elsize)) {
            return 0;
        }
        try {
            return (long) calloc.invokeExact(nelem, elsize);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code realloc(ptr, newSize)}, 0 bytes left to the library; 0 for a negative size. */
    public static long realloc(MethodHandle realloc, long ptr, long newSize) {
        if (newSize < 0) {
            return 0;
        }
        try {
            return (long) realloc.invokeExact(ptr, newSize);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code free(ptr)}; no call for NULL. */
    public static void free(MethodHandle free, long ptr) {
        if (ptr != 0) {
            try {
                free.invokeExact(ptr);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }
    }

    /** The usable size of the block at {@code ptr} through a {@link #bindUsableSize} handle; 0 for NULL. */
    public static long usableSize(MethodHandle usableSize, long ptr) {
        if (ptr == 0) {
            return 0;
        }
        try {
            return (long) usableSize.invokeExact(ptr);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * A downcall throws only what the JVM throws (unchecked); this rethrows it as it is, so a
     * binding's own calls can write {@code throw MallocFamily.rethrow(t)}.
     */
    public static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t);
    }
}
