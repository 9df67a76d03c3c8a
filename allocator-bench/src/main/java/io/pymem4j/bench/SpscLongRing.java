package io.pymem4j.bench;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A bounded lock-free single-producer single-consumer queue of non-zero longs (block
 * addresses), for the two-thread benchmarks' cross-thread frees: one thread offers, one other
 * thread polls, neither allocates nor blocks.
 *
 * <p>Both sides move a batch at a time: the producer writes its slots and publishes them with
 * one release store of {@code tail}, the consumer takes everything published up to the size
 * of its array and frees the slots with one release store of {@code head}. Each side keeps a
 * plain copy of the other's counter and reads the real one only when the copy says full or
 * empty. {@code head} and {@code tail} sit a cache line apart: when they shared one, every
 * offer stalled the consumer and every poll the producer, and the queue, not the allocator,
 * was what the cross-thread benchmarks measured.
 */
public final class SpscLongRing {

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    /** Longs in a cache line. */
    private static final int LINE = 8;
    // Indexes in counters: each side's two words more than a cache line from the other side's and from the array's ends.
    private static final int HEAD = LINE;
    private static final int TAIL_CACHE = LINE + 1; // the consumer's copy of tail, on head's line
    private static final int TAIL = 3 * LINE;
    private static final int HEAD_CACHE = 3 * LINE + 1; // the producer's copy of head, on tail's line

    private final long[] slots;
    private final int mask;
    /**
     * head and the consumer's copy of tail on one line, tail and the producer's copy of head
     * on another: the JVM keeps array elements in order, as it need not keep fields.
     */
    private final long[] counters = new long[5 * LINE];

    /** A ring of {@code capacity} slots, a power of two. */
    public SpscLongRing(int capacity) {
        if (capacity < 2 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two of 2 or more, not " + capacity);
        }
        slots = new long[capacity];
        mask = capacity - 1;
    }

    /** Producer: appends {@code src[0..n)} as far as there is room; returns how many went in. */
    public int offer(long[] src, int n) {
        long[] c = counters;
        long t = c[TAIL];
        long room = slots.length - (t - c[HEAD_CACHE]);
        if (room < n) {
            c[HEAD_CACHE] = (long) LONGS.getAcquire(c, HEAD);
            room = slots.length - (t - c[HEAD_CACHE]);
        }
        int k = (int) Math.min(n, room);
        for (int i = 0; i < k; i++) {
            slots[(int) (t + i) & mask] = src[i];
        }
        if (k != 0) {
            LONGS.setRelease(c, TAIL, t + k);
        }
        return k;
    }

    /** Consumer: moves up to {@code dst.length} of the oldest values into {@code dst}; returns how many. */
    public int poll(long[] dst) {
        long[] c = counters;
        long h = c[HEAD];
        if (c[TAIL_CACHE] - h < dst.length) {
            c[TAIL_CACHE] = (long) LONGS.getAcquire(c, TAIL);
        }
        int k = (int) Math.min(dst.length, c[TAIL_CACHE] - h);
        for (int i = 0; i < k; i++) {
            dst[i] = slots[(int) (h + i) & mask];
        }
        if (k != 0) {
            LONGS.setRelease(c, HEAD, h + k);
        }
        return k;
    }

    /** Values in the ring; exact only when neither side is running. */
    public int size() {
        return (int) ((long) LONGS.getAcquire(counters, TAIL) - (long) LONGS.getAcquire(counters, HEAD));
    }
}
