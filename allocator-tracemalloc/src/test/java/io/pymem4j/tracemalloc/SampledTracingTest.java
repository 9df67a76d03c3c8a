package io.pymem4j.tracemalloc;

import io.pymem4j.api.AllocatorSetupException;
import io.pymem4j.runtime.PyMemRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sampled tracing on real blocks of a malloc+tracemalloc runtime, with a seeded sampler. */
class SampledTracingTest {

    private static final long R = 4096;
    /** With seed 42 and R 4096, the blocks of 1000 bytes sampled among the first 200 (SplitMix64 in Python). */
    private static final List<Integer> SAMPLED_OF_200 = List.of(1, 9, 15, 20, 34, 35, 42, 43, 48, 50, 57, 60, 63, 66, 68,
            75, 85, 88, 98, 100, 101, 112, 115, 117, 128, 134, 136, 137, 138, 140, 141, 142, 144, 146, 148, 152, 164,
            170, 172, 182, 185, 193, 199);
    /** 1000 / (1 - e^(-1000/4096)), rounded. */
    private static final long ESTIMATE_OF_1000 = 4616;

    private PyMemRuntime rt;
    private Tracemalloc tm;

    @BeforeEach
    void startSampling() {
        rt = PyMemRuntime.create("malloc+tracemalloc");
        tm = Tracemalloc.of(rt);
        tm.start(1, R);
        tm.store.seedSampler(42);
    }

    @AfterEach
    void stopTracing() {
        tm.stop();
    }

    private long[] mallocs(int n, long size) {
        long[] p = new long[n];
        for (int i = 0; i < n; i++) {
            p[i] = rt.rawMalloc(size);
        }
        return p;
    }

    private List<Integer> traced(long[] blocks) {
        List<Integer> traced = new ArrayList<>();
        for (int i = 0; i < blocks.length; i++) {
            if (tm.getTraceback(0, blocks[i]) != null) {
                traced.add(i);
            }
        }
        return traced;
    }

    private void freeAll(long[] blocks) {
        for (long p : blocks) {
            rt.rawFree(p);
        }
    }

    @Test
    void startWithAnIntervalSamplesAndSaysSo() {
        assertTrue(tm.isTracing());
        assertEquals(R, tm.getSamplingInterval());
        assertEquals(R, tm.takeSnapshot().samplingInterval());
        assertEquals("Tracemalloc[tracing=true, tracebackLimit=1, samplingInterval=4096]", tm.toString());
    }

    @Test
    void aSeededThreadSamplesTheBlocksItsDrawsPredict() {
        long[] blocks = mallocs(200, 1000);
        assertEquals(SAMPLED_OF_200, traced(blocks));
        freeAll(blocks);
    }

    @Test
    void tracedMemoryIsTheSumOfThePerBlockEstimates() {
        long[] blocks = mallocs(200, 1000);
        long expected = SAMPLED_OF_200.size() * ESTIMATE_OF_1000;
        assertEquals(new Tracemalloc.TracedMemory(expected, expected), tm.getTracedMemory());
        assertEquals(expected, tm.takeSnapshot().sizeEstimate().value());
        freeAll(blocks);
    }

    @Test
    void theTracedMemoryEstimateStatesTheStandardErrorOfItsBlocks() {
        long[] blocks = mallocs(200, 1000);
        Tracemalloc.TracedMemoryEstimate e = tm.getTracedMemoryEstimate();
        double w = 4.6163248697298815;
        assertEquals(Math.sqrt(SAMPLED_OF_200.size() * 1000.0 * 1000 * w * (w - 1)), e.current().standardError(), 1e-6);
        assertEquals(e.current(), e.peak());
        assertEquals(R, e.samplingInterval());
        freeAll(blocks);
    }

    @Test
    void freeingSampledBlocksRemovesTheirTracesAndEstimates() {
        long[] blocks = mallocs(200, 1000);
        for (int i : SAMPLED_OF_200.subList(0, 10)) {
            rt.rawFree(blocks[i]);
            blocks[i] = 0;
        }
        assertEquals((SAMPLED_OF_200.size() - 10) * ESTIMATE_OF_1000, tm.getTracedMemory().current());
        assertEquals(SAMPLED_OF_200.size() - 10, tm.takeSnapshot().traces().size());
        freeAll(blocks);
        assertEquals(0, tm.getTracedMemory().current());
        assertEquals(0, tm.takeSnapshot().traces().size());
    }

    @Test
    void freeingUnsampledBlocksLeavesTheSampledTraces() {
        long[] blocks = mallocs(200, 1000);
        for (int i = 0; i < blocks.length; i++) {
            if (!SAMPLED_OF_200.contains(i)) {
                rt.rawFree(blocks[i]);
                blocks[i] = 0;
            }
        }
        assertEquals(SAMPLED_OF_200.size() * ESTIMATE_OF_1000, tm.getTracedMemory().current());
        assertEquals(SAMPLED_OF_200.size(), tm.takeSnapshot().traces().size());
        freeAll(blocks);
    }

    @Test
    void aFreedSampledBlockLeavesTheFreeFilterSayingNo() {
        long[] blocks = mallocs(200, 1000);
        long p = blocks[SAMPLED_OF_200.get(0)];
        assertTrue(tm.store.sampledAddresses.mayContain(p));
        freeAll(blocks);
        assertFalse(tm.store.sampledAddresses.mayContain(p));
    }

    @Test
    void aBlockMuchLargerThanTheIntervalIsAlwaysSampledAtItsOwnSize() {
        long p = rt.rawMalloc(100 * R);
        assertEquals(100 * R, tm.getTracedMemory().current());
        assertNotNull(tm.getObjectTraceback(p));
        rt.rawFree(p);
        assertEquals(0, tm.getTracedMemory().current());
    }

    @Test
    void reallocOfASampledBlockIntoAnUnsampledOneDropsItsTrace() {
        long p = rt.rawMalloc(100 * R);
        long q = rt.rawRealloc(p, 1); // 1 byte: sampled with probability 1/4096; seed 42 does not sample it here
        assertNull(tm.getObjectTraceback(q));
        assertEquals(0, tm.getTracedMemory().current());
        rt.rawFree(q);
    }

    @Test
    void reallocOfAnUnsampledBlockIntoALargeOneTracesIt() {
        long p = rt.rawMalloc(1);
        assertNull(tm.getObjectTraceback(p));
        long q = rt.rawRealloc(p, 100 * R);
        assertNotNull(tm.getObjectTraceback(q));
        assertEquals(100 * R, tm.getTracedMemory().current());
        rt.rawFree(q);
        assertEquals(0, tm.getTracedMemory().current());
    }

    @Test
    void aFailedReallocKeepsTheSampledTrace() {
        long p = rt.rawMalloc(100 * R);
        assertEquals(0, rt.rawRealloc(p, 1L << 62));
        assertEquals(100 * R, tm.getTracedMemory().current());
        assertNotNull(tm.getObjectTraceback(p));
        rt.rawFree(p);
    }

    @Test
    void stopThenExactStartTracesEveryBlockAgain() {
        tm.stop();
        tm.start(1);
        assertEquals(0, tm.getSamplingInterval());
        long p = rt.rawMalloc(10);
        assertEquals(10, tm.getTracedMemory().current());
        assertEquals(0, tm.takeSnapshot().samplingInterval());
        rt.rawFree(p);
        assertEquals(0, tm.getTracedMemory().current());
    }

    @Test
    void anIntervalOutOfRangeIsRefused() {
        tm.stop();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tm.start(1, -1));
        assertEquals("the sampling interval must be in range [0; 1099511627776] bytes, not -1", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> tm.start(1, Tracemalloc.MAX_SAMPLING_INTERVAL + 1));
    }

    @Test
    void theSampleOptionStartsSampledTracingWithTheFramesOption() {
        PyMemRuntime configured = PyMemRuntime.builder().allocator("malloc").option("tracemalloc.sample", "512k")
                .option("tracemalloc", "3").build();
        Tracemalloc t = Tracemalloc.of(configured);
        try {
            assertTrue(t.isTracing());
            assertEquals(512 * 1024, t.getSamplingInterval());
            assertEquals(3, t.getTracebackLimit());
        } finally {
            t.stop();
        }
    }

    @Test
    void theSampleOptionAloneStartsSamplingWithOneFrame() {
        PyMemRuntime configured = PyMemRuntime.builder().allocator("malloc").option("tracemalloc.sample", "1m").build();
        Tracemalloc t = Tracemalloc.of(configured);
        try {
            assertEquals(1 << 20, t.getSamplingInterval());
            assertEquals(1, t.getTracebackLimit());
        } finally {
            t.stop();
        }
    }

    @Test
    void aBadSampleOptionFailsTheSetUpNamingIt() {
        AllocatorSetupException e = assertThrows(AllocatorSetupException.class, () -> PyMemRuntime.builder()
                .allocator("malloc").option("tracemalloc.sample", "lots").build());
        assertEquals("tracemalloc sampling option (pymem4j.tracemalloc.sample / PYMEM4J_TRACEMALLOC_SAMPLE) 'lots':"
                + " expected a mean interval in bytes from 0 to 1t, such as 524288 or 512k"
                + " (tracemalloc.sample from PyMemRuntime.Builder.option in code)", e.getMessage());
    }
}
