package io.pymem4j.replay;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.runtime.ProviderRegistry;
import io.pymem4j.runtime.PyMemRuntime;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static io.pymem4j.api.PyMemAllocatorDomain.MEM;
import static io.pymem4j.api.PyMemAllocatorDomain.OBJ;
import static io.pymem4j.api.PyMemAllocatorDomain.RAW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Replaying traces through a runtime whose only backend counts its calls. */
class ReplayEngineTest {

    private final CountingBackend counting = new CountingBackend();
    private final PyMemRuntime runtime = PyMemRuntime.builder()
            .registry(ProviderRegistry.of(counting))
            .allocator("counting")
            .build();

    @Test
    void everyRunMakesTheTracesCallsPlusAFreePerBlockLiveAtTheEnd() throws IOException {
        // Per run: 6 mallocs, 3 callocs, 6 reallocs, 6 frees + 6 live at the end; 1 warm-up + 2 timed runs.
        ReplayEngine.replay(TraceDecodingTest.decode(TraceDecodingTest.threeDomains()), runtime, 1, 2);
        assertEquals(18, counting.mallocs);
        assertEquals(9, counting.callocs);
        assertEquals(18, counting.reallocs);
        assertEquals(36, counting.frees);
        assertEquals(0, counting.outstanding);
    }

    @Test
    void theResultAccountsTheCallsOfOneRunPerDomainAndOp() throws IOException {
        ReplayResult r = ReplayEngine.replay(TraceDecodingTest.decode(TraceDecodingTest.threeDomains()), runtime, 0, 1);
        for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
            assertEquals(2, r.calls(d, TraceOp.MALLOC), d + " malloc");
            assertEquals(1, r.calls(d, TraceOp.CALLOC), d + " calloc");
            assertEquals(2, r.calls(d, TraceOp.REALLOC), d + " realloc");
            assertEquals(4, r.calls(d, TraceOp.FREE), d + " free");
        }
        assertEquals(counting.frees, r.calls(RAW, TraceOp.FREE) + r.calls(MEM, TraceOp.FREE) + r.calls(OBJ, TraceOp.FREE));
    }

    @Test
    void eachDomainsCallsReachThatDomainsAllocatorAndEveryBlockGoesBackToTheOneThatMadeIt() throws IOException {
        PyMemRuntime split = PyMemRuntime.builder().registry(ProviderRegistry.of(counting)).allocator("counting").build();
        var counters = new java.util.EnumMap<PyMemAllocatorDomain, CountingBackend>(PyMemAllocatorDomain.class);
        for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
            counters.put(d, new CountingBackend());
            split.setAllocator(d, counters.get(d).create(null)); // it needs no context
        }
        TraceFile t = TraceDecodingTest.decode(new TraceWriter()
                .malloc(RAW, 1, 16).malloc(RAW, 2, 16).malloc(RAW, 3, 600).free(RAW, 1)
                .malloc(MEM, 11, 16).realloc(MEM, 11, 12, 64)
                .malloc(OBJ, 21, 16).malloc(OBJ, 22, 32).calloc(OBJ, 23, 2, 8).free(OBJ, 22));
        ReplayEngine.replay(t, split, 0, 1);
        // mallocs, callocs, reallocs, blocks not given back to the allocator that made them
        assertEquals(List.of(3L, 0L, 0L, 0L), counts(counters.get(RAW)));
        assertEquals(List.of(1L, 0L, 1L, 0L), counts(counters.get(MEM)));
        assertEquals(List.of(2L, 1L, 0L, 0L), counts(counters.get(OBJ)));
    }

    private static List<Long> counts(CountingBackend c) {
        return List.of(c.mallocs, c.callocs, c.reallocs, c.outstanding);
    }

    @Test
    void theResultNamesTraceStackAndRuns() throws IOException {
        ReplayResult r = ReplayEngine.replay(TraceDecodingTest.decode(TraceDecodingTest.threeDomains()), runtime, 2, 3);
        assertEquals("generated", r.trace());
        assertEquals("counting", r.allocator());
        assertEquals(21, r.events());
        assertEquals(2, r.warmup());
        assertEquals(3, r.runs());
        assertEquals(3, r.runNanos().length);
    }

    @Test
    void theAutomaticWarmUpRunsUntilItHasReplayedTheWarmUpEventsOrSpentItsTime() throws IOException {
        TraceFile t = TraceDecodingTest.decode(TraceDecodingTest.threeDomains());
        long start = System.nanoTime();
        ReplayResult r = ReplayEngine.replay(t, runtime, ReplayEngine.AUTO_WARMUP, 1);
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        assertTrue((long) r.warmup() * r.events() >= ReplayEngine.WARMUP_EVENTS
                || elapsedMillis >= ReplayEngine.WARMUP_MILLIS, r.warmup() + " warm-up runs in " + elapsedMillis + " ms");
    }

    @Test
    void aNegativeWarmUpOtherThanAutoIsRefused() throws IOException {
        TraceFile t = TraceDecodingTest.decode(TraceDecodingTest.threeDomains());
        assertThrows(IllegalArgumentException.class, () -> ReplayEngine.replay(t, runtime, -2, 1));
    }

    @Test
    void theReplayReadsThePeakRss() throws IOException {
        ReplayResult r = ReplayEngine.replay(TraceDecodingTest.decode(TraceDecodingTest.threeDomains()), runtime, 0, 1);
        assertTrue(r.peakRssKib() > 0, "VmHWM " + r.peakRssKib());
    }

    @Test
    void aNullFromTheAllocatorStopsTheReplayNamingTheEvent() throws IOException {
        TraceFile t = TraceDecodingTest.decode(new TraceWriter()
                .malloc(OBJ, 1, 16).calloc(RAW, 2, 4, 4).malloc(MEM, 3, CountingBackend.FAILING_SIZE).free(OBJ, 1));
        ReplayFailedException e = assertThrows(ReplayFailedException.class, () -> ReplayEngine.replay(t, runtime, 0, 1));
        assertEquals("event 2: MEM malloc(1099511627776) returned NULL", e.getMessage());
        assertEquals(2, e.event());
    }

    @Test
    void aFailedReplayFreesTheBlocksItHeld() throws IOException {
        TraceFile t = TraceDecodingTest.decode(new TraceWriter()
                .malloc(OBJ, 1, 16).calloc(RAW, 2, 4, 4).realloc(RAW, 2, 4, 64).malloc(MEM, 3, CountingBackend.FAILING_SIZE));
        assertThrows(ReplayFailedException.class, () -> ReplayEngine.replay(t, runtime, 0, 1));
        assertEquals(2, counting.frees);
        assertEquals(0, counting.outstanding);
    }

    @Test
    void theMedianOfAnOddNumberOfRunsIsTheMiddleOne() throws IOException {
        TraceFile t = TraceDecodingTest.decode(TraceDecodingTest.threeDomains());
        ReplayResult r = new ReplayResult(t, "x", 0, new long[] {420, 210, 315}, -1, -1);
        assertEquals(315.0, r.medianNanos());
        assertEquals(210, r.minNanos());
        assertEquals(15.0, r.medianNsPerEvent());
        assertEquals(10.0, r.minNsPerEvent());
        assertEquals(21 * 1e9 / 315, r.eventsPerSecond());
    }

    @Test
    void theMedianOfAnEvenNumberOfRunsIsTheMeanOfTheMiddleTwo() throws IOException {
        TraceFile t = TraceDecodingTest.decode(TraceDecodingTest.threeDomains());
        ReplayResult r = new ReplayResult(t, "x", 0, new long[] {400, 100, 300, 200}, -1, -1);
        assertEquals(250.0, r.medianNanos());
    }

    @Test
    void zeroTimedRunsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReplayEngine.replay(TraceDecodingTest.decode(new TraceWriter()), runtime, 1, 0));
        assertEquals("timed runs must be 1 or more, not 0", e.getMessage());
    }

    @Test
    void replayingAllocatesNoJavaObjectPerEvent() throws IOException {
        TraceFile t = TraceFile.bundled();
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().threadId();
        ReplayEngine.replay(t, runtime, 0, 1); // links the downcalls and loads classes, which allocates
        long before = threads.getThreadAllocatedBytes(thread);
        ReplayEngine.replay(t, runtime, 1, 2);
        long allocated = threads.getThreadAllocatedBytes(thread) - before;
        // The id table (8 bytes an id) and a few small objects; nothing that grows with the events.
        long table = 8L * (t.header().maxId() + 1);
        assertTrue(allocated < table + 64 * 1024, allocated + " bytes allocated, the id table is " + table);
    }

    @Test
    void theBundledTraceReplaysThroughLibcWithNothingLeftOver() throws IOException {
        ReplayResult r = ReplayEngine.replay(TraceFile.bundled(), runtime, 0, 1);
        assertEquals(2_109_326, r.events());
        assertEquals(0, counting.outstanding);
        assertEquals(1_029_065 + 471, counting.frees);
    }
}
