package io.pymem4j.bench;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A bounded lock-free single-producer single-consumer queue of non-zero longs (block
 * addresses), for the two-thread benchmarks' cross-thread frees: one thread offers, one other
 * thread polls, neither allocates nor blocks. The producer publishes a slot with a release
 * store of {@code tail}, the consumer takes it after an acquire load; each side keeps a
 * plain cache of the other's index so that the shared counters are read only when the
 * queue looks full or empty.
 */
public final class SpscLongRing {

    private static final VarHandle HEAD;
    private static final VarHandle TAIL;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            HEAD = l.findVarHandle(SpscLongRing.class, "head", long.class);
            TAIL = l.findVarHandle(SpscLongRing.class, "tail", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long[] slots;
    private final int mask;
    // Each counter only grows; head is written by the consumer, tail by the producer.
    @SuppressWarnings("unused") // through HEAD
    private volatile long head;
    @SuppressWarnings("unused") // through TAIL
    private volatile long tail;
    private long producerHeadCache;
    private long consumerTailCache;

    /** A ring of {@code capacity} slots, a power of two. */
    public SpscLongRing(int capacity) {
        if (capacity < 2 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two of 2 or more, not " + capacity);
        }
        slots = new long[capacity];
        mask = capacity - 1;
    }

    /** Producer: appends {@code value}; false when the ring is full. */
    public boolean offer(long value) {
        long t = (long) TAIL.getOpaque(this);
        if (t - producerHeadCache >= slots.length) {
            producerHeadCache = (long) HEAD.getAcquire(this);
            if (t - producerHeadCache >= slots.length) {
                return false;
            }
        }
        slots[(int) t & mask] = value;
        TAIL.setRelease(this, t + 1);
        return true;
    }

    /** Consumer: removes and returns the oldest value, or 0 when the ring is empty. */
    public long poll() {
        long h = (long) HEAD.getOpaque(this);
        if (h >= consumerTailCache) {
            consumerTailCache = (long) TAIL.getAcquire(this);
            if (h >= consumerTailCache) {
                return 0;
            }
        }
        long value = slots[(int) h & mask];
        HEAD.setRelease(this, h + 1);
        return value;
    }

    /** Values in the ring; exact only when neither side is running. */
    public int size() {
        return (int) ((long) TAIL.getAcquire(this) - (long) HEAD.getAcquire(this));
    }
}
