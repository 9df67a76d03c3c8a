package io.pymem4j.reliability;

import io.pymem4j.api.InterpreterLock;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyObjectArenaAllocator;
import io.pymem4j.debug.DebugHook;
import io.pymem4j.pymalloc.Pymalloc;
import io.pymem4j.runtime.ProviderRegistry;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.runtime.StackSpec;
import io.pymem4j.tracemalloc.Tracemalloc;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * One stack the reliability tests run against: a backend in one geometry and thread mode,
 * with the hook layers named by {@code hooks} ("" for none, "+debug", "+tracemalloc", ...).
 * Debug reports throw ({@code debug.policy=throw}), so any report fails the test that caused it.
 *
 * @param backend  {@code malloc} or {@code pymalloc}
 * @param geometry pymalloc's geometry ({@code cpython310} or {@code classic}); null for malloc
 * @param gil      GIL mode: MEM and OBJ calls are made holding the interpreter lock
 * @param hooks    the hook layers above the backend, each with its leading '+'
 */
record StackUnderTest(String backend, String geometry, boolean gil, String hooks) {

    /** The backends in both geometries and both thread modes. */
    static List<StackUnderTest> bases() {
        List<StackUnderTest> out = new ArrayList<>();
        for (boolean gil : new boolean[]{false, true}) {
            out.add(new StackUnderTest("malloc", null, gil, ""));
            out.add(new StackUnderTest("pymalloc", "cpython310", gil, ""));
            out.add(new StackUnderTest("pymalloc", "classic", gil, ""));
        }
        return out;
    }

    /** Every base plain, with debug, and with tracemalloc. */
    static List<StackUnderTest> all() {
        List<StackUnderTest> out = new ArrayList<>();
        for (StackUnderTest base : bases()) {
            out.add(base);
            out.add(base.with("+debug"));
            out.add(base.with("+tracemalloc"));
        }
        return out;
    }

    /** This base with {@code more} hooks above what it has. */
    StackUnderTest with(String more) {
        return new StackUnderTest(backend, geometry, gil, hooks + more);
    }

    String allocator() {
        return backend + hooks;
    }

    boolean traced() {
        return hooks.contains("+tracemalloc");
    }

    boolean debugged() {
        return hooks.contains("+debug");
    }

    /** A new runtime with this stack, tracing started when it has tracemalloc. */
    PyMemRuntime start() {
        return start(ProviderRegistry.getDefault());
    }

    /** As {@link #start()}, with the providers of {@code registry}. */
    PyMemRuntime start(ProviderRegistry registry) {
        return start(registry, null);
    }

    /** As {@link #start()}, with the providers of {@code registry} and arenas from {@code arenas} (null: mmap). */
    PyMemRuntime start(ProviderRegistry registry, PyObjectArenaAllocator arenas) {
        PyMemRuntime.Builder b = PyMemRuntime.builder().registry(registry).allocator(allocator()).gil(gil)
                .option("debug.policy", "throw");
        if (arenas != null) {
            b.arenaAllocator(arenas);
        }
        if (geometry != null) {
            b.option("pymalloc.geometry", geometry);
        }
        PyMemRuntime rt = b.build();
        if (traced()) {
            Tracemalloc.of(rt).start(1);
        }
        return rt;
    }

    /** The alignment every block of {@code domain} has: classic pymalloc's size classes are 8 bytes apart. */
    long alignment(PyMemAllocatorDomain domain) {
        return domain != PyMemAllocatorDomain.RAW && "classic".equals(geometry) ? 8 : 16;
    }

    /** Holds the interpreter lock in GIL mode, does nothing otherwise: {@code try (var _ = stack.hold(rt))}. */
    static InterpreterLock.Held hold(PyMemRuntime rt) {
        InterpreterLock lock = rt.interpreterLock();
        return lock == null ? () -> { } : lock.hold();
    }

    /**
     * Blocks pymalloc holds (pool and raw), after the calling thread collected its remote
     * frees; -1 without pymalloc. Call with the interpreter lock held in GIL mode.
     */
    static long pymallocBlocks(PyMemRuntime rt) {
        return Pymalloc.find(rt).map(pm -> {
            pm.collect();
            return pm.stats().allocatedBlocks();
        }).orElse(-1L);
    }

    /** The debug layer's live blocks; -1 without it. */
    static long debugLiveBlocks(PyMemRuntime rt) {
        return DebugHook.of(rt).map(h -> (long) h.liveBlocks()).orElse(-1L);
    }

    /** Bytes tracemalloc traces; -1 when the stack does not trace. */
    long tracedBytes(PyMemRuntime rt) {
        return traced() ? Tracemalloc.of(rt).getTracedMemory().current() : -1;
    }

    /**
     * Checks a runtime built from a fuzzed name or options, then closes it: its name parses
     * back to its stack, and every domain allocates (unless the stack injects failures) and
     * frees a block.
     */
    static void assertWorksThenClose(PyMemRuntime rt) {
        try {
            StackSpec spec = rt.stackSpec();
            assertEquals(spec, StackSpec.parse(rt.currentAllocatorName(), rt.registry()), "the stack's name parses back");
            try (var _ = hold(rt)) {
                for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
                    long p = rt.malloc(d, 40);
                    if (!spec.hasHook("failing")) {
                        assertNotEquals(0, p, d + " malloc on " + spec);
                    }
                    rt.free(d, p);
                }
            }
        } finally {
            close(rt);
        }
    }

    /** Closes the runtime: what its layers hold goes back, and it must not be used after. */
    static void close(PyMemRuntime rt) {
        rt.close();
    }

    @Override
    public String toString() {
        return allocator() + (geometry == null ? "" : "[" + geometry + "]") + (gil ? " (GIL)" : "");
    }
}
