package io.pymem4j.tracemalloc;

import io.pymem4j.runtime.PyMemRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The estimator's accuracy on a synthetic workload with many call sites and known totals:
 * over seeded runs, each site's true bytes fall inside the 95% interval the snapshot states
 * for it ({@link TracedEstimate}: estimate ± 1.96 × its estimated standard error) about
 * 95% of the time, and the stated intervals shrink with the sampling interval as the
 * variance formula {@code Σ Z²·(1-p)/p} predicts.
 *
 * <p>Site {@code k} is the {@code k}th line of {@link #allocAt}'s switch, so the sites differ
 * in their one-frame tracebacks; each allocates 128 KiB (about 64 sample points) in
 * blocks of its own size range (16 bytes up to 4 KiB), all sites interleaved in a seeded
 * random order.
 */
class SamplingAccuracyTest {

    private static final int SITES = 16;
    private static final long BYTES_PER_SITE = 128 * 1024;
    private static final long R = 2048;

    private PyMemRuntime rt;
    private Tracemalloc tm;

    @BeforeEach
    void runtime() {
        rt = PyMemRuntime.create("malloc+tracemalloc");
        tm = Tracemalloc.of(rt);
    }

    @AfterEach
    void stop() {
        tm.stop();
    }

    /** One site's allocation: each site on its own line, in order. */
    private long allocAt(int site, long size) {
        return switch (site) {
            case 0 -> rt.rawMalloc(size);
            case 1 -> rt.rawMalloc(size);
            case 2 -> rt.rawMalloc(size);
            case 3 -> rt.rawMalloc(size);
            case 4 -> rt.rawMalloc(size);
            case 5 -> rt.rawMalloc(size);
            case 6 -> rt.rawMalloc(size);
            case 7 -> rt.rawMalloc(size);
            case 8 -> rt.rawMalloc(size);
            case 9 -> rt.rawMalloc(size);
            case 10 -> rt.rawMalloc(size);
            case 11 -> rt.rawMalloc(size);
            case 12 -> rt.rawMalloc(size);
            case 13 -> rt.rawMalloc(size);
            case 14 -> rt.rawMalloc(size);
            case 15 -> rt.rawMalloc(size);
            default -> throw new IllegalArgumentException("no site " + site);
        };
    }

    /** The line of site 0's malloc (the sites follow it, one a line), from a block sampled but for a chance of e^-100. */
    private int site0Line(long interval) {
        long p = allocAt(0, 100 * interval);
        int line = tm.getObjectTraceback(p).mostRecent().lineno();
        rt.rawFree(p);
        return line;
    }

    /** The (site, size) allocations of run {@code seed}, shuffled; the same for every interval. */
    private static List<long[]> workload(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<long[]> calls = new ArrayList<>();
        for (int site = 0; site < SITES; site++) {
            long low = 16L << (site % 5);
            long high = site % 4 == 0 ? 4096 : 4 * low;
            for (long bytes = 0; bytes < BYTES_PER_SITE; ) {
                long size = random.nextLong(low, high + 1);
                calls.add(new long[]{site, size});
                bytes += size;
            }
        }
        for (int i = calls.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            long[] c = calls.get(i);
            calls.set(i, calls.get(j));
            calls.set(j, c);
        }
        return calls;
    }

    /** What one run says about every site: its true bytes, its estimate, and the variance the formula gives. */
    private record SiteRun(long truth, TracedEstimate estimate, double trueVariance) {
        boolean covered() {
            return Math.abs(estimate.value() - truth) <= estimate.halfWidth();
        }
    }

    private List<SiteRun> run(long seed, long interval) {
        List<long[]> calls = workload(seed);
        long[] truth = new long[SITES];
        double[] variance = new double[SITES];
        long[] blocks = new long[calls.size()];
        tm.start(1, interval);
        tm.store.seedSampler(seed);
        int site0 = site0Line(interval);
        for (int i = 0; i < blocks.length; i++) {
            int site = (int) calls.get(i)[0];
            long size = calls.get(i)[1];
            blocks[i] = allocAt(site, size);
            truth[site] += size;
            double p = -Math.expm1(-(double) size / interval);
            variance[site] += (double) size * size * (1 - p) / p;
        }
        Snapshot s = tm.takeSnapshot();
        for (long b : blocks) {
            rt.rawFree(b);
        }
        tm.stop();
        Map<Integer, List<Trace>> bySite = new HashMap<>();
        for (Trace t : s.traces()) {
            bySite.computeIfAbsent(t.traceback().mostRecent().lineno() - site0, k -> new ArrayList<>()).add(t);
        }
        List<SiteRun> sites = new ArrayList<>();
        for (int site = 0; site < SITES; site++) {
            Snapshot one = new Snapshot(bySite.getOrDefault(site, List.of()), s.tracebackLimit(), interval, Map.of());
            sites.add(new SiteRun(truth[site], one.sizeEstimate(), variance[site]));
        }
        return sites;
    }

    @Test
    void eachSitesTrueBytesFallInItsStated95PercentIntervalAbout95PercentOfTheTime() {
        int covered = 0;
        int total = 0;
        for (long seed = 1; seed <= 30; seed++) {
            for (SiteRun site : run(seed, R)) {
                total++;
                if (site.covered()) {
                    covered++;
                }
            }
        }
        double coverage = (double) covered / total;
        // 480 site-runs: a true 95% gives 93% to 97% in 19 cases of 20, 92% to 98% in 997 of 1000.
        assertTrue(coverage >= 0.92 && coverage <= 0.98, "coverage " + coverage + " over " + total + " site-runs");
    }

    @Test
    void theStatedIntervalsShrinkWithTheSamplingIntervalAsTheVarianceFormulaSays() {
        double[] stated = new double[2];
        double[] formula = new double[2];
        long[] intervals = {R, R / 4};
        for (int k = 0; k < 2; k++) {
            for (long seed = 100; seed < 104; seed++) {
                for (SiteRun site : run(seed, intervals[k])) {
                    stated[k] += site.estimate().standardError() * site.estimate().standardError();
                    formula[k] += site.trueVariance();
                }
            }
        }
        // The stated variance is unbiased for the formula's, at each interval.
        assertEquals(1.0, stated[0] / formula[0], 0.1);
        assertEquals(1.0, stated[1] / formula[1], 0.1);
        // And a quarter of the interval gives intervals less than half as wide here (blocks near R shrink more).
        double shrink = Math.sqrt(formula[0] / formula[1]);
        assertTrue(shrink > 2, "shrink " + shrink);
        assertEquals(shrink, Math.sqrt(stated[0] / stated[1]), 0.1 * shrink);
    }
}
