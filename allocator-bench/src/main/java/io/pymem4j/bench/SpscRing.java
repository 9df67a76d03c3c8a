package io.pymem4j.bench;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * {@link SpscLongRing}'s queue for objects: the peers whose blocks are objects (Netty's
 * buffers, JDK arenas) send them to the other thread through it. Same protocol and layout;
 * a slot is cleared when its object is taken, so the ring keeps nothing alive.
 *
 * @param <T> the element type
 */
public final class SpscRing<T> {

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int LINE = 8;
    private static final int HEAD = LINE;
    private static final int TAIL_CACHE = LINE + 1; // the consumer's copy of tail, on head's line
    private static final int TAIL = 3 * LINE;
    private static final int HEAD_CACHE = 3 * LINE + 1; // the producer's copy of head, on tail's line

    private final Object[] slots;
    private final int mask;
    private final long[] counters = new long[5 * LINE];

    /** A ring of {@code capacity} slots, a power of two. */
    public SpscRing(int capacity) {
        if (capacity < 2 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two of 2 or more, not " + capacity);
        }
        slots = new Object[capacity];
        mask = capacity - 1;
    }

    /** Producer: appends {@code src[0..n)} as far as there is room; returns how many went in. */
    public int offer(T[] src, int n) {
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

    /** Consumer: moves up to {@code dst.length} of the oldest objects into {@code dst}; returns how many. */
    @SuppressWarnings("unchecked")
    public int poll(T[] dst) {
        long[] c = counters;
        long h = c[HEAD];
        if (c[TAIL_CACHE] - h < dst.length) {
            c[TAIL_CACHE] = (long) LONGS.getAcquire(c, TAIL);
        }
        int k = (int) Math.min(dst.length, c[TAIL_CACHE] - h);
        for (int i = 0; i < k; i++) {
            int s = (int) (h + i) & mask;
            dst[i] = (T) slots[s];
            slots[s] = null;
        }
        if (k != 0) {
            LONGS.setRelease(c, HEAD, h + k);
        }
        return k;
    }
}
