package io.pymem4j.tracemalloc;

import io.pymem4j.runtime.PyMemRuntime;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.pymem4j.tracemalloc.SyntheticSnapshots.f;
import static io.pymem4j.tracemalloc.SyntheticSnapshots.trace;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The 95% interval of a sampled estimate ({@link TracedEstimate}): with few sampled blocks its
 * high end comes from the count of samples (the Poisson bound), with many it is the normal
 * approximation's. Expected Poisson limits are the Garwood ones (chi-square quantiles, computed
 * independently: {@code scipy.stats.chi2.ppf(0.975, 2n + 2) / 2}).
 */
class TracedEstimateIntervalTest {

    private static final long R = 4096;
    /** ln 20: with no sample, the bytes' mean count of sample points is at most this at 95%. */
    private static final double LN_20 = 2.995732273553991;

    @Test
    void noSampledBlockGivesZeroToRTimesLnTwenty() {
        TracedEstimate e = new TracedEstimate(0, 0, 0, R);
        assertEquals(0, e.low());
        assertEquals(R * LN_20, e.high(), 1e-9);
    }

    @Test
    void oneSampledSmallBlockGivesTheGarwoodUpperLimitInBytes() {
        double value = ByteSampler.estimatedBytes(16, R);
        double se = Math.sqrt(ByteSampler.byteVariance(16, R));
        TracedEstimate e = new TracedEstimate(value, se, 1, R);
        assertEquals(value + R * (5.571643390938898 - 1), e.high(), 1e-6);
        assertEquals(0, e.low());
    }

    @Test
    void thePoissonLimitsAreTheGarwoodOnes() {
        assertEquals(5.571643390938898, TracedEstimate.poissonUpper(1, 0.025), 1e-9);
        assertEquals(7.22468766772396, TracedEstimate.poissonUpper(2, 0.025), 1e-9);
        assertEquals(18.39035604201778, TracedEstimate.poissonUpper(10, 0.025), 1e-9);
        assertEquals(LN_20, TracedEstimate.poissonUpper(0, 0.05), 1e-12);
    }

    @Test
    void aWideNormalIntervalIsKeptWhenItIsAboveThePoissonBound() {
        // Two sampled blocks whose variance is large: the normal high end is the higher.
        TracedEstimate e = new TracedEstimate(1_000_000, 100_000, 2, R);
        assertEquals(1_000_000 + TracedEstimate.Z95 * 100_000, e.high());
    }

    @Test
    void fromThirtySampledBlocksTheIntervalIsTheNormalOne() {
        TracedEstimate e = new TracedEstimate(30 * R, Math.sqrt(30.0) * R, TracedEstimate.SMALL_COUNT, R);
        assertEquals(30 * R + TracedEstimate.Z95 * Math.sqrt(30.0) * R, e.high());
        assertEquals(30 * R - TracedEstimate.Z95 * Math.sqrt(30.0) * R, e.low());
    }

    @Test
    void anExactFigureHasNoInterval() {
        TracedEstimate e = new TracedEstimate(1234, 0, 0, 0);
        assertEquals(1234, e.low());
        assertEquals(1234, e.high());
    }

    @Test
    void anEstimateWithoutACountOfSamplesKeepsTheNormalInterval() {
        TracedEstimate e = new TracedEstimate(0, 0);
        assertEquals(0, e.high());
    }

    @Test
    void anEmptySampledSnapshotBoundsItsBytesByTheIntervalTimesLnTwenty() {
        Snapshot s = new Snapshot(List.of(), 1, R, Map.of());
        assertEquals(R * LN_20, s.sizeEstimate().high(), 1e-9);
        assertEquals(R * LN_20, s.countEstimate().high(), 1e-9);
    }

    @Test
    void aSampledSnapshotCountsItsTracesAsTheSamples() {
        Snapshot s = new Snapshot(List.of(trace(0, 16, 1, f("a.py", 1))), 1, R, Map.of());
        TracedEstimate e = s.sizeEstimate();
        assertEquals(1, e.samples());
        assertEquals(ByteSampler.estimatedBytes(16, R) + R * (5.571643390938898 - 1), e.high(), 1e-6);
    }

    @Test
    void aSamplingTracerWithNothingSampledBoundsCurrentAndPeakByTheIntervalTimesLnTwenty() {
        PyMemRuntime rt = PyMemRuntime.create("malloc+tracemalloc");
        Tracemalloc tm = Tracemalloc.of(rt);
        tm.start(1, R);
        try {
            Tracemalloc.TracedMemoryEstimate m = tm.getTracedMemoryEstimate();
            assertEquals(R * LN_20, m.current().high(), 1e-9);
            assertEquals(R * LN_20, m.peak().high(), 1e-9);
            assertEquals(0, m.current().low());
        } finally {
            tm.stop();
        }
    }

    @Test
    void theTracerCountsItsLiveSampledBlocksAsTheSamples() {
        PyMemRuntime rt = PyMemRuntime.create("malloc+tracemalloc");
        Tracemalloc tm = Tracemalloc.of(rt);
        tm.start(1, R);
        try {
            // 100 intervals: sampled but for a chance of e^-100.
            long p = rt.rawMalloc(100 * R);
            long q = rt.rawMalloc(100 * R);
            rt.rawFree(q);
            assertEquals(1, tm.getTracedMemoryEstimate().current().samples());
            assertEquals(2, tm.getTracedMemoryEstimate().peak().samples());
            rt.rawFree(p);
            assertEquals(0, tm.getTracedMemoryEstimate().current().samples());
        } finally {
            tm.stop();
        }
    }

    @Test
    void formatBytesGivesTheIntervalWhenItComesFromTheCount() {
        assertEquals("0 B (0 B to 12.0 KiB)", new TracedEstimate(0, 0, 0, R).formatBytes());
        assertEquals("120 KiB ± 42.9 KiB",
                new TracedEstimate(30 * R, Math.sqrt(30.0) * R, 30, R).formatBytes());
    }
}
