package io.pymem4j.tracemalloc;

import java.util.Locale;

/**
 * A figure estimated from sampled traces, with its standard error: what a sampled
 * {@link Snapshot} or {@link Tracemalloc#getTracedMemoryEstimate()} says about bytes (or
 * blocks) that were mostly not traced. An exact figure has a standard error of 0.
 *
 * <h2>The interval</h2>
 * With sampling interval {@code R}, a block of {@code Z} bytes is sampled with probability
 * {@code p(Z) = 1 - e^(-Z/R)}, independently of every other block (the sample points are a
 * Poisson process over each thread's allocated bytes), and a sampled block counts
 * {@code w = 1/p(Z)} times. The estimate of a set of blocks is the sum of {@code Z·w}
 * (bytes) or of {@code w} (blocks) over its sampled blocks: unbiased, with variance
 * {@code Σ Z²·(1-p)/p} over all its blocks, which the sampled ones estimate without bias as
 * {@code Σ Z²·w·(w-1)} (for blocks, {@code Σ w·(w-1)}); the standard error is the square
 * root of that. {@link #low()} and {@link #high()} bound the normal approximation's 95%
 * interval, {@code value ± 1.96·standardError}: it holds about 95% of the time once the
 * set has a few dozen expected samples (a set of fewer is often missed altogether, and
 * its interval is then {@code 0 ± 0}).
 *
 * @param value         the estimate
 * @param standardError its estimated standard error; 0 for an exact figure
 * @since 0.1
 */
public record TracedEstimate(double value, double standardError) {

    /** The normal quantile of a two-sided 95% interval. */
    public static final double Z95 = 1.959963984540054;

    /** An exact figure. */
    public static TracedEstimate exact(long value) {
        return new TracedEstimate(value, 0);
    }

    /** The low end of the 95% interval, not below 0. */
    public double low() {
        return Math.max(0, value - Z95 * standardError);
    }

    /** The high end of the 95% interval. */
    public double high() {
        return value + Z95 * standardError;
    }

    /** Half the width of the 95% interval. */
    public double halfWidth() {
        return Z95 * standardError;
    }

    /** The estimate rounded to a whole number. */
    public long rounded() {
        return Math.round(value);
    }

    /** {@code 12.3 MiB ± 1.2 MiB} in Python's size format; no {@code ±} part when exact. */
    public String formatBytes() {
        String v = Formats.size(value, false);
        return standardError == 0 ? v : v + " ± " + Formats.size(halfWidth(), false);
    }

    @Override
    public String toString() {
        return standardError == 0 ? String.format(Locale.ROOT, "%.0f", value)
                : String.format(Locale.ROOT, "%.0f ± %.0f (95%%)", value, halfWidth());
    }
}
