package io.pymem4j.reliability;

/**
 * The shape of a stress run (see {@link StressEngine}).
 *
 * @param threads       worker threads per round
 * @param rounds        rounds to run; 0 for as many as fit in {@code millis}
 * @param millis        run rounds until this much time has passed; 0 for {@code rounds} rounds
 * @param opsPerThread  allocator operations each worker makes in a round
 * @param liveBlocks    the most blocks a worker holds at once
 * @param transferSlots slots of the array through which workers hand blocks to each other
 * @param seed          the seed every worker's random choices derive from
 * @since 0.1
 */
public record StressConfig(int threads, long rounds, long millis, int opsPerThread, int liveBlocks,
                           int transferSlots, long seed) {

    /** Operations per worker per round by default: a round of 4 threads lasts tens of milliseconds. */
    public static final int DEFAULT_OPS = 20_000;
    /** Blocks a worker holds at most by default. */
    public static final int DEFAULT_LIVE = 1_000;
    /** Transfer slots by default, as mimalloc's test-stress has. */
    public static final int DEFAULT_TRANSFERS = 1_000;

    public StressConfig {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be 1 or more, not " + threads);
        }
        if (rounds < 0 || millis < 0 || (rounds == 0 && millis == 0)) {
            throw new IllegalArgumentException("give a number of rounds or a duration (rounds " + rounds
                    + ", millis " + millis + ")");
        }
        if (opsPerThread < 1 || liveBlocks < 1 || transferSlots < 1) {
            throw new IllegalArgumentException("operations, live blocks and transfer slots must be 1 or more");
        }
    }

    /** {@code rounds} rounds of {@code threads} threads, with the default sizes. */
    public static StressConfig rounds(int threads, long rounds, long seed) {
        return new StressConfig(threads, rounds, 0, DEFAULT_OPS, DEFAULT_LIVE, DEFAULT_TRANSFERS, seed);
    }

    /** Rounds of {@code threads} threads for {@code seconds} seconds, with the default sizes. */
    public static StressConfig timed(int threads, long seconds, long seed) {
        if (seconds < 1) {
            throw new IllegalArgumentException("seconds must be 1 or more, not " + seconds);
        }
        return new StressConfig(threads, 0, seconds * 1000, DEFAULT_OPS, DEFAULT_LIVE, DEFAULT_TRANSFERS, seed);
    }

    /** This shape with {@code ops} operations per worker per round. */
    public StressConfig withOpsPerThread(int ops) {
        return new StressConfig(threads, rounds, millis, ops, liveBlocks, transferSlots, seed);
    }
}
