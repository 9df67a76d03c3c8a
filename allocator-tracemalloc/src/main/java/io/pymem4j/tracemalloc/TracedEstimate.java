package io.pymem4j.tracemalloc;

import java.util.Locale;

/**
 * A figure estimated from sampled traces, with its standard error and 95% interval: what a
 * sampled {@link Snapshot} or {@link Tracemalloc#getTracedMemoryEstimate()} says about bytes
 * (or blocks) that were mostly not traced. An exact figure has a standard error of 0.
 *
 * <h2>The estimate</h2>
 * With sampling interval {@code R}, a block of {@code Z} bytes is sampled with probability
 * {@code p(Z) = 1 - e^(-Z/R)}, independently of every other block (the sample points are a
 * Poisson process over each thread's allocated bytes), and a sampled block counts
 * {@code w = 1/p(Z)} times. The estimate of a set of blocks is the sum of {@code Z·w}
 * (bytes) or of {@code w} (blocks) over its sampled blocks: unbiased, with variance
 * {@code Σ Z²·(1-p)/p} over all its blocks, which the sampled ones estimate without bias as
 * {@code Σ Z²·w·(w-1)} (for blocks, {@code Σ w·(w-1)}); the standard error is the square
 * root of that.
 *
 * <h2>The interval</h2>
 * From {@link #SMALL_COUNT} sampled blocks on, the interval is the normal approximation's,
 * {@code value ± 1.96·standardError} (the low end not below 0). Below that the variance
 * estimate says little (with no sample at all it is 0, and the normal interval would be
 * {@code [0, 0]} whatever the true bytes), so the high end comes from the count of samples
 * instead. The probability that a set of {@code B} bytes in all gets no sample point is
 * {@code Π e^(-Z/R) = e^(-B/R)}, however the bytes are split into blocks; so with no sampled
 * block, {@code B ≤ R·ln 20 ≈ 2.9957·R} at 95% (the low end, 0, cannot be missed, so the
 * whole 5% goes to the high end):
 * <pre>
 *   0 samples:  [0, R·ln 20]
 *   n samples:  [max(0, value - 1.96·σ),  max(value + 1.96·σ,  value + R·(m(n) - n))]
 *               m(n): the Poisson mean with P(Poisson(m) ≤ n) = 2.5%  (n ≥ 1)
 * </pre>
 * In blocks small next to {@code R}, each sampled block holds one sample point and stands
 * for about {@code R} bytes, so {@code value ≈ n·R} and the high end is {@code m(n)·R}: the
 * exact (Garwood) Poisson upper limit of the bytes' mean count of sample points, in bytes.
 * Blocks much larger than {@code R} are sampled almost surely and known to the byte; the
 * term {@code R·(m(n) - n)} then bounds what the unsampled small blocks beside them may
 * hold. For a count of blocks the same bound holds (every block counts at least one byte),
 * loosely when the blocks are large. An estimate made without a count of samples
 * ({@link #TracedEstimate(double, double)}) keeps the normal interval.
 *
 * @param value            the estimate
 * @param standardError    its estimated standard error; 0 for an exact figure
 * @param samples          the sampled blocks the estimate comes from; -1 when not known
 * @param samplingInterval the mean sampling interval {@code R} in bytes; 0 for an exact figure
 * @since 0.1
 */
public record TracedEstimate(double value, double standardError, long samples, long samplingInterval) {

    /** The normal quantile of a two-sided 95% interval. */
    public static final double Z95 = 1.959963984540054;
    /** Below this many sampled blocks, the high end of the interval comes from the count of samples. */
    public static final int SMALL_COUNT = 30;
    /** {@code m(n)} for n below {@link #SMALL_COUNT}: {@code ln 20} for 0, the 97.5% Poisson upper limit above. */
    private static final double[] POISSON_UPPER = new double[SMALL_COUNT];

    static {
        POISSON_UPPER[0] = Math.log(20);
        for (int n = 1; n < SMALL_COUNT; n++) {
            POISSON_UPPER[n] = poissonUpper(n, 0.025);
        }
    }

    /** An estimate whose count of samples is not known: its interval is the normal approximation's. */
    public TracedEstimate(double value, double standardError) {
        this(value, standardError, -1, 0);
    }

    /** An exact figure. */
    public static TracedEstimate exact(long value) {
        return new TracedEstimate(value, 0);
    }

    /** The low end of the 95% interval, not below 0. */
    public double low() {
        return Math.max(0, value - Z95 * standardError);
    }

    /** The high end of the 95% interval: the normal approximation's, or the small-count bound above it. */
    public double high() {
        double normal = value + Z95 * standardError;
        if (!smallCount()) {
            return normal;
        }
        return Math.max(normal, value + samplingInterval * (POISSON_UPPER[(int) samples] - samples));
    }

    /** True when the interval's high end may come from the count of samples (fewer than {@link #SMALL_COUNT}). */
    private boolean smallCount() {
        return samplingInterval > 0 && samples >= 0 && samples < SMALL_COUNT;
    }

    /** Half the width of the normal approximation's 95% interval, {@code 1.96·standardError}. */
    public double halfWidth() {
        return Z95 * standardError;
    }

    /** The estimate rounded to a whole number. */
    public long rounded() {
        return Math.round(value);
    }

    /**
     * {@code 12.3 MiB ± 1.2 MiB} in Python's size format, no {@code ±} part when exact; the
     * interval, {@code 0 B to 6.0 MiB}, when its high end comes from the count of samples.
     */
    public String formatBytes() {
        String v = Formats.size(value, false);
        if (smallCount() && high() > value + halfWidth()) {
            return v + " (" + Formats.size(low(), false) + " to " + Formats.size(high(), false) + ")";
        }
        return standardError == 0 ? v : v + " ± " + Formats.size(halfWidth(), false);
    }

    @Override
    public String toString() {
        if (smallCount() && high() > value + halfWidth()) {
            return String.format(Locale.ROOT, "%.0f (95%%: %.0f to %.0f)", value, low(), high());
        }
        return standardError == 0 ? String.format(Locale.ROOT, "%.0f", value)
                : String.format(Locale.ROOT, "%.0f ± %.0f (95%%)", value, halfWidth());
    }

    /** The Poisson mean {@code m} with {@code P(Poisson(m) ≤ n) = tail}, by bisection (the CDF falls as m grows). */
    static double poissonUpper(int n, double tail) {
        double lo = n;
        double hi = n + 10 + 10 * Math.sqrt(n);
        for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
            double mid = (lo + hi) / 2;
            if (poissonCdf(n, mid) > tail) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return (lo + hi) / 2;
    }

    /** {@code P(Poisson(m) ≤ n)}. */
    private static double poissonCdf(int n, double m) {
        double term = Math.exp(-m);
        double sum = term;
        for (int k = 1; k <= n; k++) {
            term *= m / k;
            sum += term;
        }
        return sum;
    }
}
