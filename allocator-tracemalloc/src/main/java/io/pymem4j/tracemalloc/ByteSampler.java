package io.pymem4j.tracemalloc;

/**
 * One thread's countdown to its next sampled byte, and the estimator's weights.
 *
 * <h2>Sampling by bytes</h2>
 * Every allocated byte has the same chance {@code 1/R} of being a sample point
 * ({@code R} the sampling interval); a block is sampled when one of its bytes is. The
 * distance to the next sample point is drawn from an exponential distribution of mean
 * {@code R}, rounded up to whole bytes, and counted down by each block's size; the block
 * that takes it to 0 or below is sampled and a new distance is drawn from that block's
 * end. The exponential distribution has no memory, so that fresh draw is exactly the
 * distance a Poisson process of sample points would have: a block of {@code Z} bytes is
 * sampled with probability {@code 1 - e^(-Z/R)}, independently of every other block, with
 * one draw per sampled block and none per unsampled one (jemalloc's {@code lg_prof_sample},
 * tcmalloc's and Go's {@code MemProfileRate} sample so). A request of 0 bytes counts as 1,
 * so that empty blocks are counted as blocks too.
 *
 * <h2>Random numbers</h2>
 * Each thread has its own generator (SplitMix64: one multiply-xorshift step per draw,
 * state in a field), seeded from a shared sequence once per thread, so no draw touches
 * shared state. {@link #seed(long)} makes a thread's draws repeatable, for tests.
 *
 * <p>Only the owning thread touches an instance; {@link #threadId} lets the tracer's
 * per-thread lookup table (see {@link TraceStore}) tell whose it is.
 */
final class ByteSampler {

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    /** The shared seed sequence, one step per thread's sampler. */
    private static final java.util.concurrent.atomic.AtomicLong SEEDS =
            new java.util.concurrent.atomic.AtomicLong(System.nanoTime() ^ 0x5DEECE66DL);

    /** The owning thread's {@link Thread#threadId()}. */
    final long threadId;
    /** Bytes left before the next sample point: at least 1 once drawn. */
    long left;
    /** The tracing session these draws belong to (the store's {@code sessions} count); a new one redraws. */
    long session = -1;
    private long state;

    ByteSampler(long threadId) {
        this.threadId = threadId;
        this.state = mix(SEEDS.addAndGet(GOLDEN));
    }

    /** Restarts this thread's draws from {@code seed}; the next distance is drawn at the next block. */
    void seed(long seed) {
        state = seed;
        session = -1;
    }

    /** The next distance to a sample point, in bytes (at least 1), for mean {@code interval}. */
    long draw(long interval) {
        state += GOLDEN;
        // 53 random bits, as a double in (0, 1]: -ln of it is an exponential draw of mean 1.
        double u = ((mix(state) >>> 11) + 1) * 0x1.0p-53;
        double d = Math.ceil(-Math.log(u) * interval);
        return d < 1 ? 1 : (long) d;
    }

    /** SplitMix64's finalizer (Steele, Lea, Flood 2014). */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The bytes a request of {@code size} counts for: 0 counts as 1. */
    static long sampledBytes(long size) {
        return Math.max(size, 1);
    }

    /**
     * How many blocks one sampled block of {@code size} bytes stands for, {@code 1/p} with
     * {@code p = 1 - e^(-Z/R)}: 1 when {@code interval} is 0 (exact tracing).
     */
    static double weight(long size, long interval) {
        if (interval == 0) {
            return 1;
        }
        return 1 / -Math.expm1(-(double) sampledBytes(size) / interval);
    }

    /** The bytes one sampled block of {@code size} bytes stands for, {@code Z/p}, rounded. */
    static long estimatedBytes(long size, long interval) {
        return interval == 0 ? size : Math.round(size * weight(size, interval));
    }

    /** Its share of the estimate's variance in bytes², {@code Z²·w·(w-1)} (see {@link TracedEstimate}). */
    static double byteVariance(long size, long interval) {
        if (interval == 0) {
            return 0;
        }
        double w = weight(size, interval);
        return (double) size * size * w * (w - 1);
    }
}
