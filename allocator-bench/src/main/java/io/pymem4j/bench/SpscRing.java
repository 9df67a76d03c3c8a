package io.pymem4j.bench;

import java.util.function.Consumer;

/**
 * {@link SpscLongRing}'s queue for objects: the peers whose blocks are objects (Netty's
 * buffers, JDK arenas) send them to the other thread through it. Same protocol
 * ({@link SpscCounters}); a slot is cleared when its object is taken, so the ring keeps
 * nothing alive.
 *
 * @param <T> the element type
 */
public final class SpscRing<T> extends SpscCounters {

    private final Object[] slots;

    /** A ring of {@code capacity} slots, a power of two. */
    public SpscRing(int capacity) {
        super(capacity);
        slots = new Object[capacity];
    }

    /** Producer: appends {@code src[0..n)} as far as there is room; returns how many went in. */
    public int offer(T[] src, int n) {
        long t = tail();
        int k = room(n);
        for (int i = 0; i < k; i++) {
            slots[(int) (t + i) & mask] = src[i];
        }
        publish(k);
        return k;
    }

    /** Consumer: moves up to {@code dst.length} of the oldest objects into {@code dst}; returns how many. */
    @SuppressWarnings("unchecked")
    public int poll(T[] dst) {
        long h = head();
        int k = available(dst.length);
        for (int i = 0; i < k; i++) {
            int s = (int) (h + i) & mask;
            dst[i] = (T) slots[s];
            slots[s] = null;
        }
        release(k);
        return k;
    }

    /** Consumer: takes every object in the ring and gives each to {@code action} (a benchmark's teardown). */
    @SuppressWarnings("unchecked")
    public void drain(Consumer<? super T> action) {
        T[] batch = (T[]) new Object[capacity];
        for (int i = 0, n = poll(batch); i < n; i++) {
            action.accept(batch[i]);
        }
    }
}
