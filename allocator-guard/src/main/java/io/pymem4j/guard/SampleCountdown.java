package io.pymem4j.guard;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Each thread's countdown to its next sampled block: the guard layer's hot path for new blocks.
 *
 * <p>Sampling one block in N at random, each block independently, is the same as drawing the
 * gap to the next sampled block from the geometric distribution of mean N and counting it
 * down: one draw per sampled block, one decrement per other block (jemalloc and tcmalloc
 * sample bytes this way). Each thread draws from its own {@link SplittableRandom}: seeded
 * with {@code guard.seed} when it is set, so every thread samples the same blocks of its
 * own run after run, else at random.
 *
 * <p>A thread finds its {@link Counter} in a table by {@code threadId & 1023}: a load, a
 * compare with the counter's owner, a decrement. A thread whose entry another live thread
 * holds keeps its counter in a {@link ThreadLocal} and looks it up there, slower but right;
 * an entry whose owner has ended is taken over. The counters are written by their owners
 * only, so no atomic instruction is needed.
 */
final class SampleCountdown {

    /** Entries of the table; a power of two. */
    static final int TABLE_SIZE = 1024;

    /** One thread's countdown. Its owner alone writes it. */
    static final class Counter {
        /** The owner's thread id (ids are never reused); final, so a racy read of the table sees it set. */
        final long owner;
        final Thread thread;
        final SplittableRandom random;
        /** Blocks to go: the one that takes it to 0 is sampled. */
        long remaining;
        // Padding, so that two threads' counters never share a cache line.
        @SuppressWarnings("unused")
        private long p1, p2, p3, p4, p5, p6, p7;

        Counter(Thread thread, SplittableRandom random) {
            this.owner = thread == null ? 0 : thread.threadId();
            this.thread = thread;
            this.random = random;
        }
    }

    /** The table's empty entry: no thread has id 0. */
    private static final Counter NOBODY = new Counter(null, null);

    private final Counter[] table = new Counter[TABLE_SIZE];
    private final ThreadLocal<Counter> local = new ThreadLocal<>();
    private final long mean;
    private final Long seed;
    /** {@code log(1 - 1/mean)}, the scale of a geometric draw. */
    private final double logKeep;

    /**
     * @param mean the mean gap, N of one block in N (1: every block; 0: none)
     * @param seed every thread's seed, or null for random ones
     */
    SampleCountdown(long mean, Long seed) {
        this.mean = mean;
        this.seed = seed;
        this.logKeep = mean > 1 ? Math.log1p(-1.0 / mean) : 0;
        Arrays.fill(table, NOBODY);
    }

    /** The table the hot path reads (see {@link GuardAllocator}). */
    Counter[] table() {
        return table;
    }

    /** The calling thread's counter, made on its first call; takes over its table entry when that is free. */
    Counter own() {
        Thread me = Thread.currentThread();
        Counter c = local.get();
        if (c == null) {
            c = new Counter(me, seed == null ? new SplittableRandom() : new SplittableRandom(seed));
            c.remaining = draw(c);
            local.set(c);
        }
        int i = (int) c.owner & (TABLE_SIZE - 1);
        Counter there = table[i];
        if (there == NOBODY || !there.thread.isAlive()) {
            // A race with another thread taking the entry is harmless: the loser keeps its ThreadLocal.
            table[i] = c;
        }
        return c;
    }

    /**
     * Called when {@code c} reached 0 (its block is sampled): draws the next gap.
     *
     * @return false, so that the hot path can write {@code --remaining > 0 || rearm(c)}
     */
    boolean rearm(Counter c) {
        c.remaining = draw(c);
        return false;
    }

    /** Makes the calling thread's next block a sampled one (for tests that must catch one bug every time). */
    void sampleNext() {
        own().remaining = 1;
    }

    /** A gap: 1 + a geometric count of failures with success 1/mean; 1 when every block is sampled, never when none is. */
    private long draw(Counter c) {
        if (mean == 0) {
            return Long.MAX_VALUE;
        }
        if (mean == 1) {
            return 1;
        }
        double u = 1.0 - c.random.nextDouble(); // (0, 1]
        double failures = Math.floor(Math.log(u) / logKeep);
        return failures >= Long.MAX_VALUE - 1 ? Long.MAX_VALUE : 1 + (long) failures;
    }
}
