package io.pymem4j.bench;

import java.util.function.LongConsumer;

/**
 * A bounded lock-free single-producer single-consumer queue of longs (block addresses), for
 * the two-thread benchmarks' cross-thread frees: one thread offers, one other thread polls,
 * neither allocates nor blocks. The protocol is {@link SpscCounters}'.
 */
public final class SpscLongRing extends SpscCounters {

    private final long[] slots;

    /** A ring of {@code capacity} slots, a power of two. */
    public SpscLongRing(int capacity) {
        super(capacity);
        slots = new long[capacity];
    }

    /** Producer: appends {@code src[0..n)} as far as there is room; returns how many went in. */
    public int offer(long[] src, int n) {
        long t = tail();
        int k = room(n);
        for (int i = 0; i < k; i++) {
            slots[(int) (t + i) & mask] = src[i];
        }
        publish(k);
        return k;
    }

    /** Consumer: moves up to {@code dst.length} of the oldest values into {@code dst}; returns how many. */
    public int poll(long[] dst) {
        long h = head();
        int k = available(dst.length);
        for (int i = 0; i < k; i++) {
            dst[i] = slots[(int) (h + i) & mask];
        }
        release(k);
        return k;
    }

    /** Consumer: takes every value in the ring and gives each to {@code action} (a benchmark's teardown). */
    public void drain(LongConsumer action) {
        long[] batch = new long[capacity];
        for (int i = 0, n = poll(batch); i < n; i++) {
            action.accept(batch[i]);
        }
    }
}
