package io.pymem4j.tracemalloc;

import org.junit.jupiter.api.Test;

import java.util.concurrent.SynchronousQueue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The per-thread countdowns behind sampled tracing, when threads share a slot of the lookup table. */
class ThreadSamplersTest {

    private static final long INTERVAL = 100;
    private static final long SEED = 7;
    private static final int BLOCKS = 400;

    /** Which of {@code BLOCKS} blocks of 10 bytes are sampled, for a thread seeded with {@link #SEED}. */
    private static boolean[] alone() {
        ThreadSamplers samplers = new ThreadSamplers();
        samplers.newSession();
        samplers.seed(SEED, INTERVAL);
        boolean[] sampled = new boolean[BLOCKS];
        for (int i = 0; i < BLOCKS; i++) {
            sampled[i] = samplers.sample(10, INTERVAL);
        }
        return sampled;
    }

    /** A thread, not started, whose id falls in the same slot as the calling thread's. */
    private static Thread sameSlotAs(Thread me, Runnable task) {
        while (true) {
            Thread t = new Thread(task);
            if ((t.threadId() & 255) == (me.threadId() & 255)) {
                return t;
            }
        }
    }

    @Test
    void twoThreadsOfOneSlotEachKeepTheirOwnCountdown() throws Exception {
        boolean[] expected = alone();
        ThreadSamplers samplers = new ThreadSamplers();
        samplers.newSession();
        boolean[] mine = new boolean[BLOCKS];
        boolean[] theirs = new boolean[BLOCKS];
        SynchronousQueue<Integer> toThem = new SynchronousQueue<>();
        SynchronousQueue<Integer> toMe = new SynchronousQueue<>();
        Thread other = sameSlotAs(Thread.currentThread(), () -> {
            try {
                samplers.seed(SEED, INTERVAL);
                toMe.put(0);
                for (int i = 0; i < BLOCKS; i++) {
                    toThem.take();
                    theirs[i] = samplers.sample(10, INTERVAL);
                    toMe.put(i);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        other.start();
        toMe.take();
        samplers.seed(SEED, INTERVAL);
        // The two threads take turns, block by block, so each finds the other's sampler in the slot.
        for (int i = 0; i < BLOCKS; i++) {
            mine[i] = samplers.sample(10, INTERVAL);
            toThem.put(i);
            assertEquals(i, toMe.take());
        }
        other.join();
        assertArrayEquals(expected, mine);
        assertArrayEquals(expected, theirs);
    }

    @Test
    void aNewSessionRedrawsEveryThreadsDistance() {
        ThreadSamplers samplers = new ThreadSamplers();
        samplers.newSession();
        samplers.seed(SEED, INTERVAL);
        for (int i = 0; i < 50; i++) {
            samplers.sample(10, INTERVAL);
        }
        samplers.newSession();
        samplers.seed(SEED, INTERVAL);
        boolean[] again = new boolean[BLOCKS];
        for (int i = 0; i < BLOCKS; i++) {
            again[i] = samplers.sample(10, INTERVAL);
        }
        assertArrayEquals(alone(), again);
    }
}
