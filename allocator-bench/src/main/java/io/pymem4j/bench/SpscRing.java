package io.pymem4j.bench;

import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link SpscLongRing}'s queue for objects: the peers whose blocks are objects (Netty's
 * buffers, JDK arenas) send them to the other thread through it. Same protocol; the slot
 * is cleared on poll so the ring keeps nothing alive.
 *
 * @param <T> the element type
 */
public final class SpscRing<T> {

    private final Object[] slots;
    private final int mask;
    private final AtomicLong head = new AtomicLong();
    private final AtomicLong tail = new AtomicLong();
    private long producerHeadCache;
    private long consumerTailCache;

    /** A ring of {@code capacity} slots, a power of two. */
    public SpscRing(int capacity) {
        if (capacity < 2 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two of 2 or more, not " + capacity);
        }
        slots = new Object[capacity];
        mask = capacity - 1;
    }

    /** Producer: appends {@code value}; false when the ring is full. */
    public boolean offer(T value) {
        long t = tail.getPlain();
        if (t - producerHeadCache >= slots.length) {
            producerHeadCache = head.getAcquire();
            if (t - producerHeadCache >= slots.length) {
                return false;
            }
        }
        slots[(int) t & mask] = value;
        tail.setRelease(t + 1);
        return true;
    }

    /** Consumer: removes and returns the oldest value, or null when the ring is empty. */
    @SuppressWarnings("unchecked")
    public T poll() {
        long h = head.getPlain();
        if (h >= consumerTailCache) {
            consumerTailCache = tail.getAcquire();
            if (h >= consumerTailCache) {
                return null;
            }
        }
        int i = (int) h & mask;
        T value = (T) slots[i];
        slots[i] = null;
        head.setRelease(h + 1);
        return value;
    }
}
