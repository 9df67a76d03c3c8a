package io.pymem4j.cpython;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The requested size of every live block the bridge handed to CPython, so that a free knows
 * how many bytes left, and the live and peak byte counts CPython's three domains reached.
 * CPython's {@code free} carries no size, and a layer that only counts calls cannot know the
 * bytes; this table is what tracemalloc keeps, without the tracebacks.
 *
 * <p>64 stripes chosen by the address's hash, each an open-addressing table (linear probing,
 * backward-shift deletion, address 0 marks a free slot) behind its own monitor: calls from
 * CPython's threads rarely meet on one stripe, and nothing is allocated per call.
 */
final class BlockSizes {

    private static final int STRIPE_BITS = 6;
    private static final int INITIAL_SLOTS = 1024;

    private final Stripe[] stripes = new Stripe[1 << STRIPE_BITS];
    private final AtomicLong live = new AtomicLong();
    private final AtomicLong peak = new AtomicLong();

    BlockSizes() {
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new Stripe();
        }
    }

    /** Records a new block of {@code size} bytes at {@code address} (not 0). */
    void add(long address, long size) {
        long h = hash(address);
        stripes[(int) (h >>> (64 - STRIPE_BITS))].put(address, size, (int) h);
        long now = live.addAndGet(size);
        long p = peak.get();
        while (now > p && !peak.compareAndSet(p, now)) {
            p = peak.get();
        }
    }

    /** Forgets the block at {@code address}; returns its size, or -1 when it was not recorded. */
    long remove(long address) {
        long h = hash(address);
        long size = stripes[(int) (h >>> (64 - STRIPE_BITS))].remove(address, (int) h);
        if (size >= 0) {
            live.addAndGet(-size);
        }
        return size;
    }

    /** Bytes in live blocks now. */
    long liveBytes() {
        return live.get();
    }

    /** The most bytes that were live at once. */
    long peakBytes() {
        return peak.get();
    }

    private static long hash(long address) {
        // Blocks are 16-byte aligned: the low bits carry nothing.
        return (address >>> 4) * 0x9E3779B97F4A7C15L;
    }

    private static final class Stripe {
        private long[] keys = new long[INITIAL_SLOTS];
        private long[] sizes = new long[INITIAL_SLOTS];
        private int count;

        synchronized void put(long address, long size, int h) {
            if (2 * (count + 1) > keys.length) {
                grow();
            }
            int mask = keys.length - 1;
            int i = h & mask;
            while (keys[i] != 0 && keys[i] != address) {
                i = (i + 1) & mask;
            }
            if (keys[i] == 0) {
                count++;
            }
            keys[i] = address;
            sizes[i] = size;
        }

        synchronized long remove(long address, int h) {
            int mask = keys.length - 1;
            int i = h & mask;
            while (keys[i] != address) {
                if (keys[i] == 0) {
                    return -1;
                }
                i = (i + 1) & mask;
            }
            long size = sizes[i];
            count--;
            // Backward-shift: move later members of the probe run into the hole.
            int hole = i;
            for (int j = (i + 1) & mask; keys[j] != 0; j = (j + 1) & mask) {
                int home = (int) hash(keys[j]) & mask;
                if (((j - home) & mask) >= ((j - hole) & mask)) {
                    keys[hole] = keys[j];
                    sizes[hole] = sizes[j];
                    hole = j;
                }
            }
            keys[hole] = 0;
            sizes[hole] = 0;
            return size;
        }

        private void grow() {
            long[] oldKeys = keys;
            long[] oldSizes = sizes;
            keys = new long[oldKeys.length * 2];
            sizes = new long[oldKeys.length * 2];
            int mask = keys.length - 1;
            for (int k = 0; k < oldKeys.length; k++) {
                if (oldKeys[k] != 0) {
                    int i = (int) hash(oldKeys[k]) & mask;
                    while (keys[i] != 0) {
                        i = (i + 1) & mask;
                    }
                    keys[i] = oldKeys[k];
                    sizes[i] = oldSizes[k];
                }
            }
        }
    }
}
