package io.pymem4j.reliability;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.api.PyObjectArenaAllocator;
import io.pymem4j.debug.DebugHook;
import io.pymem4j.debug.MemoryCorruptionError;
import io.pymem4j.debug.Problem;
import io.pymem4j.pymalloc.Pymalloc;
import io.pymem4j.raw.MmapArenaAllocator;
import io.pymem4j.runtime.CloseReport;
import io.pymem4j.runtime.PyMemManagement;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.spi.LiveBlocks;
import io.pymem4j.tracemalloc.Tracemalloc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A runtime's close: everything its layers hold goes back (asserted on the layers' own counts
 * of mapped and held bytes), what was live is reported, and every call after it, through the
 * runtime or through an allocator it handed out, throws {@link IllegalStateException}.
 */
class RuntimeCloseTest {

    /** The arena allocator mmap, counting the bytes it has mapped and not unmapped. */
    private static final class CountingArenas implements PyObjectArenaAllocator {
        final AtomicLong mapped = new AtomicLong();

        @Override
        public long alloc(long size) {
            long p = MmapArenaAllocator.INSTANCE.alloc(size);
            if (p != 0) {
                mapped.addAndGet(size);
            }
            return p;
        }

        @Override
        public void free(long ptr, long size) {
            MmapArenaAllocator.INSTANCE.free(ptr, size);
            mapped.addAndGet(-size);
        }
    }

    @Test
    void closeUnmapsEveryArenaOfPymallocEvenWithLiveBlocks() {
        CountingArenas arenas = new CountingArenas();
        PyMemRuntime rt = PyMemRuntime.builder().allocator("pymalloc").arenaAllocator(arenas).build();
        for (int i = 0; i < 40_000; i++) {
            rt.memMalloc(64); // 2.5 MB of pool blocks: several 1 MiB arenas, never freed
        }
        assertTrue(arenas.mapped.get() >= 3L << 20, "mapped before close: " + arenas.mapped.get());

        CloseReport report = rt.closeAndReport();

        assertEquals(0L, arenas.mapped.get(), "arena bytes still mapped after close");
        assertEquals(40_000L, report.liveBlocks());
        assertEquals(40_000L * 64, report.liveBytes());
    }

    @Test
    void closeGivesBackTheDebugLayersTableAndQuarantine() {
        PyMemRuntime rt = PyMemRuntime.builder().allocator("malloc_debug").option("debug.quarantine.bytes", "1m").build();
        DebugHook debug = DebugHook.of(rt).orElseThrow();
        List<Long> blocks = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            blocks.add(rt.memMalloc(100));
        }
        for (int i = 0; i < 900; i++) {
            rt.memFree(blocks.get(i));
        }
        assertEquals(900, debug.quarantinedBlocks());
        assertTrue(debug.tableBytes() > 0);

        CloseReport report = rt.closeAndReport();

        assertEquals(0, debug.quarantinedBlocks());
        assertEquals(0L, debug.quarantinedBytes());
        assertEquals(0L, debug.tableBytes());
        LiveBlocks live = report.layers().get(0);
        assertEquals("debug", live.layer());
        assertEquals(100L, live.blocks());
        assertEquals(100L * 100, live.bytes());
        assertEquals(LiveBlocks.SAMPLE, live.sample().size());
    }

    @Test
    void closeForgetsTracemallocsTracesAndReportsTheirTracebacks() {
        PyMemRuntime rt = PyMemRuntime.create("pymalloc_debug");
        Tracemalloc tm = Tracemalloc.of(rt);
        tm.start(5);
        long kept = rt.objectMalloc(24);
        rt.objectFree(rt.objectMalloc(24));

        CloseReport report = rt.closeAndReport();

        assertEquals(new Tracemalloc.TracedMemory(0, 0), tm.getTracedMemory());
        assertFalse(tm.isTracing());
        assertEquals(List.of("tracemalloc", "debug", "pymalloc"), report.layers().stream().map(LiveBlocks::layer).toList());
        for (LiveBlocks l : report.layers()) {
            assertEquals(1L, l.blocks(), l.layer());
        }
        LiveBlocks.Block traced = report.layers().get(0).sample().get(0);
        assertEquals(kept, traced.address());
        assertEquals(24L, traced.size());
        assertEquals(PyMemAllocatorDomain.OBJ, traced.domain());
        assertEquals("io/pymem4j/reliability/RuntimeCloseTest.java", traced.traceback().get(0).filename());
        // The debug layer asks the tracer, still tracing in the first round, for the same traceback.
        assertEquals(traced.traceback(), report.layers().get(1).sample().get(0).traceback());
        assertTrue(report.summary().contains("File \"io/pymem4j/reliability/RuntimeCloseTest.java\", line "), report.summary());
    }

    @Test
    void aCleanCloseReportsNoLiveBlock() {
        PyMemRuntime rt = PyMemRuntime.create("pymalloc_debug");
        rt.memFree(rt.memMalloc(10));
        rt.rawFree(rt.rawMalloc(1000));

        CloseReport report = rt.closeAndReport();

        assertTrue(report.clean());
        assertTrue(report.counted());
        assertEquals(0L, report.liveBlocks());
    }

    @Test
    void aMallocStackCountsNothing() {
        PyMemRuntime rt = PyMemRuntime.create("malloc");
        long leaked = rt.memMalloc(10);

        CloseReport report = rt.closeAndReport();

        assertFalse(report.counted());
        assertEquals(-1L, report.liveBlocks());
        assertEquals("runtime 'malloc' closed: no layer of its stack counts live blocks", report.summary());
        assertTrue(leaked != 0);
    }

    @Test
    void closingTwiceReturnsTheFirstReport() {
        PyMemRuntime rt = PyMemRuntime.create("pymalloc");
        rt.memMalloc(8);
        CloseReport first = rt.closeAndReport();

        rt.close();

        assertSame(first, rt.closeAndReport());
        assertTrue(rt.isClosed());
    }

    @Test
    void tryWithResourcesClosesTheRuntime() {
        PyMemRuntime kept;
        try (PyMemRuntime rt = PyMemRuntime.create("pymalloc_debug")) {
            rt.memFree(rt.memMalloc(10));
            kept = rt;
        }
        assertTrue(kept.isClosed());
    }

    // ---------------------------------------------------------------- calls after close

    static Stream<String> stacks() {
        return Stream.of("malloc", "pymalloc", "malloc_debug", "pymalloc_debug", "mimalloc", "mimalloc_debug",
                "pymalloc+tracemalloc", "malloc+tracemalloc", "pymalloc+debug+tracemalloc", "pymalloc+failing");
    }

    private static void assertClosed(String what, Runnable call) {
        IllegalStateException e = assertThrows(IllegalStateException.class, call::run, what);
        assertTrue(e.getMessage().contains("closed"), what + ": " + e.getMessage());
    }

    @ParameterizedTest
    @MethodSource("stacks")
    void everyCallThroughTheRuntimeAfterCloseThrowsIllegalState(String stack) {
        PyMemRuntime rt = PyMemRuntime.create(stack);
        long[] old = new long[3];
        for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
            old[d.ordinal()] = rt.malloc(d, 100);
        }
        rt.close();

        for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
            long p = old[d.ordinal()];
            assertClosed(d + " malloc", () -> rt.malloc(d, 10));
            assertClosed(d + " calloc", () -> rt.calloc(d, 1, 10));
            assertClosed(d + " realloc", () -> rt.realloc(d, p, 200));
            assertClosed(d + " free of an old block", () -> rt.free(d, p));
            assertClosed(d + " getAllocator", () -> rt.getAllocator(d));
            assertClosed(d + " alignedMalloc", () -> rt.alignedMalloc(d, 64, 10));
            assertClosed(d + " segmentAllocator", () -> rt.segmentAllocator(d));
            assertClosed(d + " arena", () -> rt.arena(d));
        }
        assertClosed("rawMalloc", () -> rt.rawMalloc(1));
        assertClosed("memFree", () -> rt.memFree(old[1]));
        assertClosed("objectRealloc", () -> rt.objectRealloc(old[2], 1));
        assertClosed("segment", () -> rt.segment(old[1], 10));
        assertClosed("setupAllocators", () -> rt.setupAllocators(stack));
    }

    @ParameterizedTest
    @MethodSource("stacks")
    void everyCallThroughAnAllocatorHandedOutBeforeCloseThrowsIllegalState(String stack) {
        PyMemRuntime rt = PyMemRuntime.create(stack);
        List<PyMemAllocatorEx> handedOut = new ArrayList<>();
        long[] old = new long[3];
        for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
            handedOut.add(rt.getAllocator(d));
            old[d.ordinal()] = handedOut.get(d.ordinal()).malloc(100);
        }
        var segments = rt.segmentAllocator(PyMemAllocatorDomain.MEM);
        rt.close();

        for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
            PyMemAllocatorEx a = handedOut.get(d.ordinal());
            long p = old[d.ordinal()];
            assertClosed(d + " malloc", () -> a.malloc(10));
            assertClosed(d + " calloc", () -> a.calloc(2, 10));
            assertClosed(d + " realloc of an old block", () -> a.realloc(p, 1000));
            assertClosed(d + " free of an old block", () -> a.free(p));
        }
        assertClosed("segment allocator", () -> segments.allocate(10));
    }

    @Test
    void closingTheDefaultRuntimeMakesTheNextGetDefaultSetUpANewOne() {
        PyMemRuntime first = PyMemRuntime.getDefault();
        long p = first.memMalloc(10);
        first.memFree(p);

        first.close();
        PyMemRuntime second = PyMemRuntime.getDefault();

        assertNotSame(first, second);
        assertFalse(second.isClosed());
        second.memFree(second.memMalloc(10));
        assertClosed("the closed default", () -> first.memMalloc(10));
    }

    @Test
    void closeUnregistersTheRuntimesBeans() {
        PyMemRuntime rt = PyMemRuntime.create("pymalloc");
        var registration = PyMemManagement.register(rt);
        assertTrue(ManagementFactory.getPlatformMBeanServer().isRegistered(registration.objectName()));

        rt.close();

        assertFalse(ManagementFactory.getPlatformMBeanServer().isRegistered(registration.objectName()));
        assertClosed("registering a closed runtime", () -> PyMemManagement.register(rt));
    }

    @ParameterizedTest
    @ValueSource(strings = {"pymalloc_debug", "malloc_debug"})
    void aBlockWrittenAfterItsFreeInQuarantineIsReportedAtCloseAndEveryLayerStillCloses(String stack) {
        CountingArenas arenas = new CountingArenas();
        PyMemRuntime rt = PyMemRuntime.builder().allocator(stack).arenaAllocator(arenas)
                .option("debug.quarantine.bytes", "1m").option("debug.policy", "throw").build();
        DebugHook debug = DebugHook.of(rt).orElseThrow();
        long p = rt.memMalloc(64);
        rt.memFree(p);
        io.pymem4j.api.NativeMemory.putByte(p, (byte) 1); // written after its free

        MemoryCorruptionError e = assertThrows(MemoryCorruptionError.class, rt::close);

        assertEquals(Problem.WRITE_AFTER_FREE, e.problem());
        assertEquals(p, e.address());
        assertTrue(rt.isClosed());
        assertEquals(0L, debug.tableBytes());
        assertEquals(0L, arenas.mapped.get());
        assertClosed("after the failed close", () -> rt.memMalloc(1));
    }

    @Test
    void pymallocGivesBackItsHeapsOnClose() {
        PyMemRuntime rt = PyMemRuntime.create("pymalloc");
        Pymalloc pm = Pymalloc.of(rt);
        rt.memFree(rt.memMalloc(10));

        rt.close();

        assertClosed("pymalloc's stats", pm::stats);
    }
}
