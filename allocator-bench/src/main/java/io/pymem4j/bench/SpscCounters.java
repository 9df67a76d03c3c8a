package io.pymem4j.bench;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The counters and the protocol of {@link SpscLongRing} and {@link SpscRing}: one producer
 * thread, one consumer thread, a batch at a time.
 *
 * <p>The producer writes its slots and publishes them with one release store of
 * {@code tail}; the consumer takes everything published up to the size of its array and
 * frees the slots with one release store of {@code head}. Each side keeps a plain copy of
 * the other's counter and reads the real one only when the copy says full or empty.
 * {@code head} and {@code tail} sit a cache line apart: when they shared one, every offer
 * stalled the consumer and every poll the producer, and the queue, not the allocator, was
 * what the cross-thread benchmarks measured.
 */
abstract class SpscCounters {

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    /** Longs in a cache line. */
    private static final int LINE = 8;
    // Indexes in counters: each side's two words more than a cache line from the other side's and from the array's ends.
    private static final int HEAD = LINE;
    private static final int TAIL_CACHE = LINE + 1; // the consumer's copy of tail, on head's line
    private static final int TAIL = 3 * LINE;
    private static final int HEAD_CACHE = 3 * LINE + 1; // the producer's copy of head, on tail's line

    /** Slots in the ring, a power of two. */
    final int capacity;
    final int mask;
    /**
     * head and the consumer's copy of tail on one line, tail and the producer's copy of head
     * on another: the JVM keeps array elements in order, as it need not keep fields.
     */
    private final long[] counters = new long[5 * LINE];

    SpscCounters(int capacity) {
        if (capacity < 2 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two of 2 or more, not " + capacity);
        }
        this.capacity = capacity;
        this.mask = capacity - 1;
    }

    /** Producer: the position of the next slot to fill. */
    final long tail() {
        return counters[TAIL];
    }

    /** Producer: how many of {@code n} values fit from {@link #tail()} on. */
    final int room(int n) {
        long[] c = counters;
        long t = c[TAIL];
        long room = capacity - (t - c[HEAD_CACHE]);
        if (room < n) {
            c[HEAD_CACHE] = (long) LONGS.getAcquire(c, HEAD);
            room = capacity - (t - c[HEAD_CACHE]);
        }
        return (int) Math.min(n, room);
    }

    /** Producer: makes the {@code k} slots filled from {@link #tail()} on visible to the consumer. */
    final void publish(int k) {
        if (k != 0) {
            LONGS.setRelease(counters, TAIL, counters[TAIL] + k);
        }
    }

    /** Consumer: the position of the oldest value. */
    final long head() {
        return counters[HEAD];
    }

    /** Consumer: how many published values, at most {@code max}, wait from {@link #head()} on. */
    final int available(int max) {
        long[] c = counters;
        long h = c[HEAD];
        if (c[TAIL_CACHE] - h < max) {
            c[TAIL_CACHE] = (long) LONGS.getAcquire(c, TAIL);
        }
        return (int) Math.min(max, c[TAIL_CACHE] - h);
    }

    /** Consumer: hands the {@code k} slots read from {@link #head()} on back to the producer. */
    final void release(int k) {
        if (k != 0) {
            LONGS.setRelease(counters, HEAD, counters[HEAD] + k);
        }
    }

    /** Values in the ring; exact only when neither side is running. */
    public final int size() {
        return (int) ((long) LONGS.getAcquire(counters, TAIL) - (long) LONGS.getAcquire(counters, HEAD));
    }
}
