package io.pymem4j.cpython;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.debug.MemoryCorruptionError;
import io.pymem4j.runtime.PyMemRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A runtime's three domains as CPython {@code PyMemAllocatorEx} structs, whose function
 * pointers are FFM upcall stubs into the runtime.
 * <pre>
 *   PyMemAllocatorEx (40 bytes, native)        Java
 *   +0  ctx      NULL                         (the stub is bound to its domain instead)
 *   +8  malloc   stub ──► malloc(d, ctx, size)         ──► runtime.malloc(domain, size)
 *   +16 calloc   stub ──► calloc(d, ctx, nelem, elsize) ──► runtime.calloc(...)
 *   +24 realloc  stub ──► realloc(d, ctx, ptr, size)   ──► runtime.realloc(...)
 *   +32 free     stub ──► free(d, ctx, ptr)            ──► runtime.free(...)
 * </pre>
 * Each call is counted per domain and function, and each block's requested size is kept
 * ({@link BlockSizes}) for the live and peak bytes.
 *
 * <h2>Upcalls never throw</h2>
 * A Java exception that leaves an upcall stub ends the JVM. Every stub's method catches
 * everything: an allocation that throws returns NULL (CPython raises {@code MemoryError}),
 * a free that throws leaks the block, and both are counted and logged. A debug report (the
 * debug layer's {@link MemoryCorruptionError} under its default {@code throw} policy) is
 * handed to the fatal handler, which ends the process as CPython's debug hooks do.
 *
 * <h2>Threads</h2>
 * Stubs are called from any thread CPython runs, JVM-made or not (a native thread is attached
 * on its first upcall); RAW without the GIL. The counters are {@link LongAdder}s and the size
 * table is striped, so the bridge adds no lock that CPython's threads would queue on.
 *
 * <p>Pointers and sizes cross as {@code JAVA_LONG}: {@code void*} and {@code size_t} are
 * 64-bit integers in the same registers on every platform FFM supports, and no
 * {@link MemorySegment} is made per call.
 */
final class AllocatorBridge {

    /** {@code sizeof(PyMemAllocatorEx)}: ctx and four function pointers. */
    static final long STRUCT_BYTES = 5 * ADDRESS.byteSize();
    static final long MALLOC_OFFSET = ADDRESS.byteSize();

    private static final Logger log = LoggerFactory.getLogger(AllocatorBridge.class);
    private static final PyMemAllocatorDomain[] DOMAINS = PyMemAllocatorDomain.values();
    private static final int MALLOC = 0;
    private static final int CALLOC = 1;
    private static final int REALLOC = 2;
    private static final int FREE = 3;
    private static final int FUNCTIONS = 4;
    /** Failures logged with their stack trace; later ones are only counted. */
    private static final int LOGGED_FAILURES = 10;

    /** What the bridge does with a debug report: print it and end the process. Must not return. */
    @FunctionalInterface
    interface FatalHandler {
        void fatal(MemoryCorruptionError report);
    }

    private final PyMemRuntime runtime;
    private final FatalHandler fatal;
    private final LongAdder[] calls = new LongAdder[DOMAINS.length * FUNCTIONS];
    private final LongAdder failures = new LongAdder();
    private final BlockSizes sizes = new BlockSizes();
    private final Map<PyMemAllocatorDomain, MemorySegment> structs = new EnumMap<>(PyMemAllocatorDomain.class);

    AllocatorBridge(PyMemRuntime runtime, FatalHandler fatal) {
        this.runtime = runtime;
        this.fatal = fatal;
        for (int i = 0; i < calls.length; i++) {
            calls[i] = new LongAdder();
        }
        // The global arena: CPython may call its allocators until the process ends (C atexit handlers too).
        Arena arena = Arena.global();
        Linker linker = Linker.nativeLinker();
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        try {
            MethodHandle malloc = lookup.findVirtual(AllocatorBridge.class, "malloc",
                    MethodType.methodType(long.class, int.class, long.class, long.class)).bindTo(this);
            MethodHandle calloc = lookup.findVirtual(AllocatorBridge.class, "calloc",
                    MethodType.methodType(long.class, int.class, long.class, long.class, long.class)).bindTo(this);
            MethodHandle realloc = lookup.findVirtual(AllocatorBridge.class, "realloc",
                    MethodType.methodType(long.class, int.class, long.class, long.class, long.class)).bindTo(this);
            MethodHandle free = lookup.findVirtual(AllocatorBridge.class, "free",
                    MethodType.methodType(void.class, int.class, long.class, long.class)).bindTo(this);
            for (PyMemAllocatorDomain d : DOMAINS) {
                int i = d.ordinal();
                MemorySegment s = arena.allocate(STRUCT_BYTES, ADDRESS.byteAlignment());
                s.set(JAVA_LONG, 0, 0L);
                s.set(ADDRESS, MALLOC_OFFSET, linker.upcallStub(MethodHandles.insertArguments(malloc, 0, i),
                        FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG), arena));
                s.set(ADDRESS, 2 * MALLOC_OFFSET, linker.upcallStub(MethodHandles.insertArguments(calloc, 0, i),
                        FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), arena));
                s.set(ADDRESS, 3 * MALLOC_OFFSET, linker.upcallStub(MethodHandles.insertArguments(realloc, 0, i),
                        FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), arena));
                s.set(ADDRESS, 4 * MALLOC_OFFSET, linker.upcallStub(MethodHandles.insertArguments(free, 0, i),
                        FunctionDescriptor.ofVoid(JAVA_LONG, JAVA_LONG), arena));
                structs.put(d, s);
            }
        } catch (NoSuchMethodException | IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** CPython's {@code PyMemAllocatorDomain} value: RAW 0, MEM 1, OBJ 2. */
    static int cpythonDomain(PyMemAllocatorDomain d) {
        return switch (d) {
            case RAW -> 0;
            case MEM -> 1;
            case OBJ -> 2;
        };
    }

    /** The {@code PyMemAllocatorEx} struct of {@code domain}. */
    MemorySegment struct(PyMemAllocatorDomain domain) {
        return structs.get(domain);
    }

    /** Calls CPython made to {@code domain}. */
    DomainCalls calls(PyMemAllocatorDomain domain) {
        int base = domain.ordinal() * FUNCTIONS;
        return new DomainCalls(calls[base + MALLOC].sum(), calls[base + CALLOC].sum(), calls[base + REALLOC].sum(),
                calls[base + FREE].sum());
    }

    /** Calls that threw in the runtime (an allocation then returned NULL, a free leaked). */
    long failures() {
        return failures.sum();
    }

    long peakBytes() {
        return sizes.peakBytes();
    }

    long liveBytes() {
        return sizes.liveBytes();
    }

    // ---------------------------------------------------------------- the upcalls

    private long malloc(int d, long ctx, long size) {
        try {
            calls[d * FUNCTIONS + MALLOC].increment();
            long p = runtime.malloc(DOMAINS[d], size);
            if (p != 0) {
                sizes.add(p, size);
            }
            return p;
        } catch (Throwable t) {
            return failed(t, d, "malloc");
        }
    }

    private long calloc(int d, long ctx, long nelem, long elsize) {
        try {
            calls[d * FUNCTIONS + CALLOC].increment();
            long p = runtime.calloc(DOMAINS[d], nelem, elsize);
            if (p != 0) {
                // A non-NULL result means the product did not overflow.
                sizes.add(p, nelem * elsize);
            }
            return p;
        } catch (Throwable t) {
            return failed(t, d, "calloc");
        }
    }

    private long realloc(int d, long ctx, long ptr, long size) {
        try {
            calls[d * FUNCTIONS + REALLOC].increment();
            // Out of the table before the block goes: another thread may get its address at once.
            long old = ptr == 0 ? -1 : sizes.remove(ptr);
            long q = runtime.realloc(DOMAINS[d], ptr, size);
            if (q != 0) {
                sizes.add(q, size);
            } else if (old >= 0) {
                sizes.add(ptr, old);
            }
            return q;
        } catch (Throwable t) {
            return failed(t, d, "realloc");
        }
    }

    private void free(int d, long ctx, long ptr) {
        try {
            calls[d * FUNCTIONS + FREE].increment();
            if (ptr != 0) {
                sizes.remove(ptr);
            }
            runtime.free(DOMAINS[d], ptr);
        } catch (Throwable t) {
            failed(t, d, "free");
        }
    }

    /** What an upcall returns after {@code t}: NULL, or nothing at all for a debug report. */
    private long failed(Throwable t, int d, String function) {
        if (t instanceof MemoryCorruptionError report) {
            fatal.fatal(report);
        }
        failures.increment();
        try {
            if (failures.sum() <= LOGGED_FAILURES) {
                log.error("the {} allocator's {} threw; {}", DOMAINS[d], function,
                        "free".equals(function) ? "the block is leaked" : "CPython gets NULL", t);
            }
        } catch (Throwable ignored) {
            // Logging failed too (a stack overflow, say): the count above still records it.
        }
        return 0;
    }
}
