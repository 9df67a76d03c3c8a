package io.pymem4j.tracemalloc;

import io.pymem4j.api.AllocatorSetupException;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.runtime.PyMemRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static io.pymem4j.api.PyMemAllocatorDomain.MEM;
import static io.pymem4j.api.PyMemAllocatorDomain.OBJ;
import static io.pymem4j.api.PyMemAllocatorDomain.RAW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TestTracemallocEnabled and TestCAPI of test_tracemalloc.py, on real blocks of a malloc+tracemalloc runtime. */
class TracingTest {

    private static final String THIS_FILE = "io/pymem4j/tracemalloc/TracingTest.java";

    private PyMemRuntime rt;
    private Tracemalloc tm;

    @BeforeEach
    void startTracing() {
        rt = PyMemRuntime.create("malloc+tracemalloc");
        tm = Tracemalloc.of(rt);
        tm.start(1);
    }

    @AfterEach
    void stopTracing() {
        tm.stop();
    }

    /** The line after the caller's. */
    private static int nextLine() {
        return StackWalker.getInstance().walk(s -> s.skip(1).findFirst().orElseThrow().getLineNumber()) + 1;
    }

    /** Stops, then starts with a traceback limit of {@code nframe}. */
    private void restart(int nframe) {
        tm.stop();
        tm.start(nframe);
    }

    private static Tracemalloc.TracedMemory mem(long current, long peak) {
        return new Tracemalloc.TracedMemory(current, peak);
    }

    @Test
    void currentAndPeakFollowMallocReallocAndFreeExactly() {
        long a = rt.memMalloc(1000);
        long b = rt.objectCalloc(10, 30);
        assertEquals(mem(1300, 1300), tm.getTracedMemory());
        a = rt.memRealloc(a, 5000);
        assertEquals(mem(5300, 5300), tm.getTracedMemory());
        a = rt.memRealloc(a, 10);
        assertEquals(mem(310, 5300), tm.getTracedMemory());
        rt.memFree(a);
        rt.objectFree(b);
        assertEquals(mem(0, 5300), tm.getTracedMemory());
    }

    @Test
    void aFailedReallocKeepsTheOldTrace() {
        long a = rt.rawMalloc(100);
        assertEquals(0, rt.rawRealloc(a, 1L << 62));
        assertEquals(mem(100, 100), tm.getTracedMemory());
        assertEquals(100, tm.takeSnapshot().traces().get(0).size());
        rt.rawFree(a);
    }

    @Test
    void resetPeakSetsPeakToCurrentAndNewAllocationsRaiseIt() {
        long big = rt.rawMalloc(1 << 20);
        rt.rawFree(big);
        long small = rt.rawMalloc(100);
        assertEquals(mem(100, 1 << 20), tm.getTracedMemory());
        tm.resetPeak();
        assertEquals(mem(100, 100), tm.getTracedMemory());
        long again = rt.rawMalloc(1 << 20);
        assertEquals(mem(100 + (1 << 20), 100 + (1 << 20)), tm.getTracedMemory());
        rt.rawFree(again);
        rt.rawFree(small);
    }

    @Test
    void clearTracesForgetsBlocksAndZeroesCounters() {
        long p = rt.memMalloc(123);
        assertTrue(tm.getObjectTraceback(p) != null);
        long before = tm.getTracemallocMemory();
        tm.clearTraces();
        assertNull(tm.getObjectTraceback(p));
        assertEquals(mem(0, 0), tm.getTracedMemory());
        assertTrue(tm.getTracemallocMemory() <= before);
        rt.memFree(p);
        assertEquals(mem(0, 0), tm.getTracedMemory());
    }

    @Test
    void stopZeroesCountersKeepsTheLimitAndTheLayer() {
        restart(7);
        rt.memMalloc(10);
        tm.stop();
        assertFalse(tm.isTracing());
        assertEquals(mem(0, 0), tm.getTracedMemory());
        assertEquals(7, tm.getTracebackLimit());
        assertEquals(0, tm.getTracemallocMemory());
        assertTrue(rt.stackSpec().hasHook(Tracemalloc.NAME), "the idle layer stays in the stack");
    }

    /** As CPython's name: the allocators' under tracemalloc once it stops, and none of CPython's while it traces. */
    @Test
    void theRuntimeIsNamedWithoutTracemallocOnceStoppedAndWithItOnceStartedAgain() {
        PyMemRuntime plain = PyMemRuntime.create("malloc");
        Tracemalloc t = Tracemalloc.of(plain);
        t.start();
        assertEquals("malloc+tracemalloc", plain.currentAllocatorName());
        t.stop();
        assertEquals("malloc", plain.currentAllocatorName());
        t.start(3);
        assertEquals("malloc+tracemalloc", plain.currentAllocatorName());
        t.stop();
        assertEquals("malloc", plain.currentAllocatorName());
    }

    @Test
    void aStoppedTracerUnderTheDebugHooksLeavesTheDebugName() {
        PyMemRuntime debug = PyMemRuntime.create("malloc_debug");
        Tracemalloc t = Tracemalloc.of(debug);
        t.start();
        assertEquals("malloc+debug+tracemalloc", debug.currentAllocatorName());
        t.stop();
        assertEquals("malloc_debug", debug.currentAllocatorName());
    }

    @Test
    void startOutsideTheRangeIsRefused() {
        tm.stop();
        for (int n : new int[]{-1, 0, 65536}) {
            var e = assertThrows(IllegalArgumentException.class, () -> tm.start(n));
            assertEquals("the number of frames must be in range [1; 65535]", e.getMessage());
        }
        assertFalse(tm.isTracing());
    }

    @Test
    void startWhileTracingDoesNotChangeTheLimit() {
        tm.start(10);
        assertEquals(1, tm.getTracebackLimit());
    }

    @Test
    void theTracebackOfABlockNamesTheAllocatingLine() {
        int line = nextLine();
        long p = rt.objectMalloc(48);
        Traceback t = tm.getObjectTraceback(p);
        assertEquals(1, t.size());
        assertEquals(new Frame(THIS_FILE, line, TracingTest.class.getName(), "theTracebackOfABlockNamesTheAllocatingLine"),
                t.get(0));
        assertSame(t, tm.getTraceback(OBJ.ordinal(), p));
        assertNull(tm.getTraceback(MEM.ordinal(), p));
        rt.objectFree(p);
        assertNull(tm.getObjectTraceback(p));
    }

    @Test
    void aLimitOfTenStoresTenFramesMostRecentLast() {
        restart(10);
        int line = nextLine();
        long p = rt.memMalloc(10);
        Traceback t = tm.getObjectTraceback(p);
        assertEquals(10, t.size());
        assertEquals(line, t.mostRecent().lineno());
        assertEquals(THIS_FILE, t.mostRecent().filename());
        assertTrue(t.totalNframe().isEmpty(), "cut at the limit without counting");
        rt.memFree(p);
    }

    @Test
    void countingAllFramesGivesTheTotal() {
        tm.countAllFrames(true);
        long p = rt.memMalloc(10);
        Traceback t = tm.takeSnapshot().traces().get(0).traceback();
        assertEquals(1, t.size());
        assertTrue(t.totalNframe().getAsInt() > 10, t.repr());
        rt.memFree(p);
    }

    @Test
    void identicalCallPathsShareOneTraceback() {
        restart(4);
        long[] blocks = new long[2];
        for (int i = 0; i < 2; i++) {
            blocks[i] = rt.memMalloc(123);
        }
        assertSame(tm.getObjectTraceback(blocks[0]), tm.getObjectTraceback(blocks[1]));
        rt.memFree(blocks[0]);
        rt.memFree(blocks[1]);
    }

    @Test
    void eachRuntimeDomainIsItsOwnTraceDomain() {
        long r = rt.rawMalloc(1);
        long m = rt.memMalloc(2);
        long o = rt.objectMalloc(3);
        Snapshot s = tm.takeSnapshot();
        assertEquals(List.of(0, 1, 2), s.traces().stream().map(Trace::domain).toList());
        assertEquals(List.of(1L, 2L, 3L), s.traces().stream().map(Trace::size).toList());
        assertEquals(List.of(new Statistic(Traceback.of(Frame.of(THIS_FILE, 0)), 6, 3)), s.statistics("filename"));
        rt.rawFree(r);
        rt.memFree(m);
        rt.objectFree(o);
    }

    @Test
    void takingASnapshotWhenNotTracingIsRefusedWithPythonsText() {
        tm.stop();
        var e = assertThrows(IllegalStateException.class, tm::takeSnapshot);
        assertEquals("the tracemalloc module must be tracing memory allocations to take a snapshot", e.getMessage());
    }

    @Test
    void aLiveSnapshotSurvivesDumpAndLoad(@TempDir Path dir) throws IOException {
        long p = rt.memMalloc(77);
        Snapshot s = tm.takeSnapshot();
        s.dump(dir.resolve("live.pmtm"));
        Snapshot loaded = Snapshot.load(dir.resolve("live.pmtm"));
        assertEquals(s.traces(), loaded.traces());
        assertEquals(1, loaded.tracebackLimit());
        rt.memFree(p);
    }

    @Test
    void startAddsTheLayerToAUsedRuntime() {
        PyMemRuntime plain = PyMemRuntime.create("malloc");
        long before = plain.memMalloc(10);
        Tracemalloc t = Tracemalloc.of(plain);
        t.start();
        assertEquals("malloc+tracemalloc", plain.currentAllocatorName());
        long p = plain.memMalloc(20);
        assertEquals(mem(20, 20), t.getTracedMemory());
        plain.memFree(before);
        plain.memFree(p);
        assertEquals(mem(0, 20), t.getTracedMemory());
        t.stop();
    }

    @Test
    void namingTheLayerInstallsItWithoutTracing() {
        PyMemRuntime named = PyMemRuntime.create("malloc+tracemalloc");
        assertFalse(Tracemalloc.of(named).isTracing());
        assertEquals(mem(0, 0), Tracemalloc.of(named).getTracedMemory());
        assertSame(Tracemalloc.of(named), Tracemalloc.of(named));
    }

    @Test
    void trackTracesForeignMemoryWithTheCallersTraceback() {
        restart(5);
        int line = nextLine();
        tm.track(5, 0x1000, 123);
        assertEquals(line, tm.getTraceback(5, 0x1000).mostRecent().lineno());
        Snapshot only5 = tm.takeSnapshot().filterTraces(List.of(new DomainFilter(true, 5)));
        assertEquals(123, only5.traces().stream().mapToLong(Trace::size).sum());
        assertEquals(mem(123, 123), tm.getTracedMemory());
    }

    @Test
    void trackingATrackedBlockReplacesItsTrace() {
        tm.track(5, 0x1000, 123);
        int line = nextLine();
        tm.track(5, 0x1000, 50);
        assertEquals(line, tm.getTraceback(5, 0x1000).mostRecent().lineno());
        assertEquals(mem(50, 123), tm.getTracedMemory());
    }

    @Test
    void untrackRemovesTheTraceAndRepeatingItIsHarmless() {
        tm.track(5, 0x1000, 123);
        tm.untrack(5, 0x1000);
        assertNull(tm.getTraceback(5, 0x1000));
        assertEquals(0, tm.takeSnapshot().filterTraces(List.of(new DomainFilter(true, 5))).traces().size());
        tm.untrack(5, 0x1000);
        tm.untrack(5, 0x1000);
        assertEquals(mem(0, 123), tm.getTracedMemory());
    }

    @Test
    void trackAndUntrackWhenNotTracingAreRefused() {
        tm.track(5, 0x1000, 123);
        tm.stop();
        assertThrows(IllegalStateException.class, () -> tm.track(5, 0x1000, 123));
        assertThrows(IllegalStateException.class, () -> tm.untrack(5, 0x1000));
        assertNull(tm.getTraceback(5, 0x1000));
    }

    @Test
    void markedAndScopedBlocksAreExpectedAndDroppedFromLeakReports() {
        long leak = rt.memMalloc(10);
        long cache = rt.memMalloc(20);
        assertTrue(tm.markExpected(MEM.ordinal(), cache));
        long arena;
        try (var _ = tm.expectedScope()) {
            arena = rt.rawMalloc(30);
        }
        long later = rt.rawMalloc(40);
        Snapshot s = tm.takeSnapshot();
        assertEquals(List.of(40L, 10L), s.withoutExpected().traces().stream().map(Trace::size).sorted(java.util.Comparator.reverseOrder()).toList());
        assertEquals(100, s.traces().stream().mapToLong(Trace::size).sum());
        assertFalse(tm.markExpected(MEM.ordinal(), 0x10));
        for (long p : new long[]{leak, cache}) {
            rt.memFree(p);
        }
        rt.rawFree(arena);
        rt.rawFree(later);
    }

    @Test
    void anExpectedBlockStaysExpectedAcrossRealloc() {
        long p = rt.memMalloc(10);
        tm.markExpected(MEM.ordinal(), p);
        p = rt.memRealloc(p, 100_000);
        assertEquals(0, tm.takeSnapshot().withoutExpected().traces().size());
        rt.memFree(p);
    }

    @Test
    void theDebugExtensionPointFormatsALiveBlocksTraceback() {
        restart(2);
        int line = nextLine();
        long p = rt.objectMalloc(16);
        List<String> lines = Tracemalloc.formatBlockTraceback(rt, PyMemAllocatorDomain.OBJ, p);
        assertEquals(3, lines.size());
        assertEquals("Memory block allocated at (most recent call first):", lines.get(0));
        assertEquals("  File \"" + THIS_FILE + "\", line " + line, lines.get(1));
        assertTrue(lines.get(2).startsWith("  File \""), lines.get(2));
        assertEquals(lines, Tracemalloc.formatBlockTraceback(rt, p));
        assertNull(Tracemalloc.formatBlockTraceback(rt, RAW, p));
        rt.objectFree(p);
        assertNull(Tracemalloc.formatBlockTraceback(rt, OBJ, p));
        assertNull(Tracemalloc.formatBlockTraceback(PyMemRuntime.create("malloc"), p));
    }

    @Test
    void getTracemallocMemoryGrowsWithTracesAndNotAfterClear() {
        long base = tm.getTracemallocMemory();
        long[] blocks = new long[1000];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = rt.memMalloc(16);
        }
        long full = tm.getTracemallocMemory();
        assertTrue(full > base, full + " > " + base);
        tm.clearTraces();
        assertTrue(tm.getTracemallocMemory() <= full);
        for (long p : blocks) {
            rt.memFree(p);
        }
    }

    @Test
    void theOptionStartsTracingAtTheLayersCreation() {
        PyMemRuntime configured = PyMemRuntime.builder().allocator("malloc+tracemalloc").option("tracemalloc", "5").build();
        Tracemalloc t = Tracemalloc.of(configured);
        assertTrue(t.isTracing());
        assertEquals(5, t.getTracebackLimit());
        long p = configured.memMalloc(64);
        assertEquals(mem(64, 64), t.getTracedMemory());
        assertEquals(5, t.getObjectTraceback(p).size());
        configured.memFree(p);
        t.stop();
    }

    @Test
    void theOptionAloneAddsTheLayerToAnyStack() {
        PyMemRuntime configured = PyMemRuntime.builder().allocator("malloc").option("tracemalloc", "3").build();
        assertEquals("malloc+tracemalloc", configured.currentAllocatorName());
        assertTrue(Tracemalloc.of(configured).isTracing());
        assertEquals(3, Tracemalloc.of(configured).getTracebackLimit());
        Tracemalloc.of(configured).stop();
    }

    @Test
    void optionZeroOrEmptyLeavesTracingOff() {
        for (String v : new String[]{"0", ""}) {
            PyMemRuntime r = PyMemRuntime.builder().allocator("malloc+tracemalloc").option("tracemalloc", v).build();
            assertFalse(Tracemalloc.of(r).isTracing(), v);
        }
    }

    @Test
    void invalidOptionsFailTheSetUpNamingTheSetting() {
        var bad = assertThrows(AllocatorSetupException.class, () ->
                PyMemRuntime.builder().allocator("malloc+tracemalloc").option("tracemalloc", "-1").build());
        assertEquals("tracemalloc option (pymem4j.tracemalloc / PYMEM4J_TRACEMALLOC) '-1': invalid number of frames"
                + " (tracemalloc from PyMemRuntime.Builder.option in code)", bad.getMessage());
        var big = assertThrows(AllocatorSetupException.class, () ->
                PyMemRuntime.builder().allocator("malloc+tracemalloc").option("tracemalloc", "1073741824").build());
        assertEquals("tracemalloc option (pymem4j.tracemalloc / PYMEM4J_TRACEMALLOC) '1073741824': can't start tracemalloc:"
                + " the number of frames must be in range [1; 65535] (tracemalloc from PyMemRuntime.Builder.option in code)",
                big.getMessage());
    }

    @Test
    void theLayerHandsOutTheBlocksBelowUnchanged() {
        assertTrue(new TracemallocHookProvider().transparent());
        long p = rt.memMalloc(32);
        assertNotEquals(0, p);
        assertEquals(0, p & 15);
        rt.memFree(p);
    }
}
