package io.pymem4j.tracemalloc;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.io.TempDir;

import static io.pymem4j.tracemalloc.SyntheticSnapshots.f;
import static io.pymem4j.tracemalloc.SyntheticSnapshots.lineno;
import static io.pymem4j.tracemalloc.SyntheticSnapshots.trace;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sampling estimator's arithmetic on exact values: the weights {@code 1/(1 - e^(-Z/R))},
 * the variance, a seeded thread's draws, the free filter, and how sampled snapshots weigh,
 * save and print their traces. Expected values were computed independently (Python's
 * {@code math.expm1}, and SplitMix64 written out in Python for the draws).
 */
class SamplingEstimatorTest {

    private static final long R = 524_288;

    @TempDir
    Path dir;

    @Test
    void aBlockOfTheIntervalsSizeStandsForOneOverOneMinusOneOverEBlocks() {
        assertEquals(1.5819767068693265, ByteSampler.weight(R, R), 1e-15);
        assertEquals(829_411, ByteSampler.estimatedBytes(R, R));
    }

    @Test
    void aOneByteBlockStandsForAboutTheIntervalInBlocks() {
        assertEquals(524_288.5000001589, ByteSampler.weight(1, R), 1e-6);
        assertEquals(524_289, ByteSampler.estimatedBytes(1, R));
    }

    @Test
    void anEmptyBlockCountsAsOneByteForItsBlockWeightAndZeroBytes() {
        assertEquals(ByteSampler.weight(1, R), ByteSampler.weight(0, R));
        assertEquals(0, ByteSampler.estimatedBytes(0, R));
    }

    @Test
    void aBlockFarLargerThanTheIntervalStandsForItself() {
        assertEquals(1.0, ByteSampler.weight(100 * R, R));
        assertEquals(100 * R, ByteSampler.estimatedBytes(100 * R, R));
        assertEquals(0.0, ByteSampler.byteVariance(100 * R, R));
    }

    @Test
    void exactTracingWeighsEveryBlockOnceWithoutVariance() {
        assertEquals(1.0, ByteSampler.weight(1000, 0));
        assertEquals(1000, ByteSampler.estimatedBytes(1000, 0));
        assertEquals(0.0, ByteSampler.byteVariance(1000, 0));
    }

    @Test
    void theVarianceOfABlockIsItsSizeSquaredTimesWTimesWMinusOne() {
        double w = 4.6163248697298815; // 1 / (1 - e^(-1000/4096))
        assertEquals(w, ByteSampler.weight(1000, 4096), 1e-13);
        assertEquals(1000.0 * 1000 * w * (w - 1), ByteSampler.byteVariance(1000, 4096), 1e-3);
    }

    @Test
    void aSeededThreadDrawsTheSameDistancesEveryTime() {
        ByteSampler s = new ByteSampler(1);
        s.seed(42);
        long[] draws = new long[5];
        for (int i = 0; i < draws.length; i++) {
            draws[i] = s.draw(4096);
        }
        assertArrayEquals(new long[]{1225, 7509, 5235, 4369, 13392}, draws);
    }

    @Test
    void drawsAverageTheInterval() {
        ByteSampler s = new ByteSampler(1);
        s.seed(7);
        double sum = 0;
        int n = 200_000;
        for (int i = 0; i < n; i++) {
            sum += s.draw(1000);
        }
        // Exponential of mean 1000 rounded up: mean 1000.5, standard error 1000 / sqrt(n) = 2.2.
        assertEquals(1000.5, sum / n, 10);
    }

    @Test
    void theFreeFilterSaysNoExactlyUntilAnAddressIsAddedAndAfterItIsRemoved() {
        SampledAddresses a = new SampledAddresses();
        long p = 0x7f00_1234_5670L;
        assertFalse(a.mayContain(p));
        a.add(p);
        assertTrue(a.mayContain(p));
        assertFalse(a.mayContain(p + 16));
        a.add(p + (1L << 20)); // same counter, 65536 x 16 bytes further
        a.remove(p);
        assertTrue(a.mayContain(p));
        a.remove(p + (1L << 20));
        assertFalse(a.mayContain(p));
    }

    @Test
    void aSaturatedFilterCounterKeepsSayingMaybe() {
        SampledAddresses a = new SampledAddresses();
        long p = 0x1000;
        for (int i = 0; i < 300; i++) {
            a.add(p + i * (1L << 20));
        }
        for (int i = 0; i < 300; i++) {
            a.remove(p + i * (1L << 20));
        }
        assertTrue(a.mayContain(p));
        a.clear();
        assertFalse(a.mayContain(p));
    }

    private static Snapshot sampled() {
        return new Snapshot(List.of(
                trace(0, 1000, 1, f("a.py", 1)),
                trace(0, 1000, 1, f("a.py", 1)),
                trace(1, 100 * 4096, 1, f("b.py", 2))), 1, 4096, Map.of());
    }

    @Test
    void sampledStatisticsWeighEachTraceBeforeSumming() {
        List<Statistic> stats = sampled().statistics("lineno");
        assertEquals(List.of(new Statistic(lineno("b.py", 2), 409_600, 1),
                new Statistic(lineno("a.py", 1), 2 * 4616, 9)), stats);
    }

    @Test
    void sampledSizeEstimateHasTheStatedStandardError() {
        TracedEstimate e = sampled().sizeEstimate();
        assertEquals(409_600 + 2 * 4616, e.value());
        double w = 4.6163248697298815;
        assertEquals(Math.sqrt(2 * 1000.0 * 1000 * w * (w - 1)), e.standardError(), 1e-6);
        // Three sampled blocks: the high end is the small-count bound, above the normal one.
        assertEquals(e.value() + 4096 * (TracedEstimate.poissonUpper(3, 0.025) - 3), e.high());
        assertEquals(e.value() - TracedEstimate.Z95 * e.standardError(), e.low());
    }

    @Test
    void compareToOfSampledSnapshotsComparesEstimates() {
        Snapshot none = new Snapshot(List.of(), 1, 4096, Map.of());
        StatisticDiff top = sampled().compareTo(none, "lineno").get(0);
        assertEquals(new StatisticDiff(lineno("b.py", 2), 409_600, 409_600, 1, 1), top);
    }

    @Test
    void aSampledSnapshotSaysSoInItsTextAndKeepsItsIntervalThroughFilters() {
        Snapshot s = sampled();
        assertEquals("<Snapshot traces=3 traceback_limit=1 sampling_interval=4096>", s.toString());
        assertEquals(4096, s.filterTraces(List.of(new DomainFilter(true, 0))).samplingInterval());
        assertEquals(4096, s.withAttribute("k", "v").samplingInterval());
    }

    @Test
    void anExactSnapshotIsStillWrittenInFormatVersionOne() throws IOException {
        Path file = dir.resolve("exact.pmts");
        new Snapshot(List.of(trace(0, 10, 1, f("a.py", 1))), 1).dump(file);
        byte[] head = java.nio.file.Files.readAllBytes(file);
        assertEquals(1, java.nio.ByteBuffer.wrap(head).getInt(4));
    }

    @Test
    void aSampledSnapshotRoundTripsWithItsInterval() throws IOException {
        Path file = dir.resolve("sampled.pmts");
        sampled().dump(file);
        Snapshot back = Snapshot.load(file);
        assertEquals(4096, back.samplingInterval());
        assertEquals(sampled().statistics("lineno"), back.statistics("lineno"));
    }

    @Test
    void aNegativeIntervalIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Snapshot(List.of(), 1, -1, Map.of()));
    }

    @Test
    void theFlameGraphOfASampledSnapshotSaysItShowsEstimates() {
        FlameGraph g = FlameGraph.of(sampled());
        assertEquals(409_600 + 2 * 4616, g.totalSize());
        assertTrue(g.toHtml().contains("estimated from samples every 4096 B on average (total "), g.toHtml());
    }
}
