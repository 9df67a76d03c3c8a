package io.pymem4j.tracemalloc;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * The traces of one domain: an open-addressing table from block address to (size,
 * traceback, expected), in three parallel arrays with linear probing and backward-shift
 * deletion (no tombstones). Address 0 marks an empty slot. About 20 bytes a slot with
 * compressed references, at most 60% full. Not thread-safe: {@link Tracemalloc} guards
 * every table with its one lock.
 */
final class TraceTable {

    private static final int INITIAL_CAPACITY = 64;
    private static final long EXPECTED_BIT = Long.MIN_VALUE;
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private long[] keys;
    private long[] sizes;   // the size, with EXPECTED_BIT for an expected block
    private Traceback[] tracebacks;
    private int count;
    private int shift;

    TraceTable() {
        allocate(INITIAL_CAPACITY);
    }

    private void allocate(int capacity) {
        keys = new long[capacity];
        sizes = new long[capacity];
        tracebacks = new Traceback[capacity];
        shift = 64 - Integer.numberOfTrailingZeros(capacity);
    }

    private int home(long key) {
        return (int) ((key * GOLDEN) >>> shift);
    }

    int size() {
        return count;
    }

    /** The slot of {@code key}, or -1. */
    int find(long key) {
        int mask = keys.length - 1;
        for (int i = home(key); ; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == key) {
                return i;
            }
            if (k == 0) {
                return -1;
            }
        }
    }

    long sizeAt(int slot) {
        return sizes[slot] & ~EXPECTED_BIT;
    }

    boolean expectedAt(int slot) {
        return sizes[slot] < 0;
    }

    Traceback tracebackAt(int slot) {
        return tracebacks[slot];
    }

    void markExpectedAt(int slot) {
        sizes[slot] |= EXPECTED_BIT;
    }

    /**
     * Adds or replaces the trace of {@code key}.
     *
     * @return the size of the trace it replaced, or -1 when there was none
     */
    long put(long key, long size, Traceback traceback, boolean expected) {
        if ((count + 1) * 5L > keys.length * 3L) {
            rehash(keys.length * 2);
        }
        int mask = keys.length - 1;
        long stored = expected ? size | EXPECTED_BIT : size;
        for (int i = home(key); ; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == key) {
                long old = sizeAt(i);
                sizes[i] = stored;
                tracebacks[i] = traceback;
                return old;
            }
            if (k == 0) {
                keys[i] = key;
                sizes[i] = stored;
                tracebacks[i] = traceback;
                count++;
                return -1;
            }
        }
    }

    /** Removes the trace in {@code slot}, shifting back the entries probed past it. */
    void removeAt(int slot) {
        int mask = keys.length - 1;
        int hole = slot;
        for (int i = (hole + 1) & mask; keys[i] != 0; i = (i + 1) & mask) {
            int h = home(keys[i]);
            // Move entry i into the hole unless its home lies cyclically in (hole, i].
            boolean stays = hole <= i ? (hole < h && h <= i) : (hole < h || h <= i);
            if (!stays) {
                keys[hole] = keys[i];
                sizes[hole] = sizes[i];
                tracebacks[hole] = tracebacks[i];
                hole = i;
            }
        }
        keys[hole] = 0;
        sizes[hole] = 0;
        tracebacks[hole] = null;
        count--;
    }

    private void rehash(int capacity) {
        long[] oldKeys = keys;
        long[] oldSizes = sizes;
        Traceback[] oldTracebacks = tracebacks;
        allocate(capacity);
        int mask = capacity - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            long k = oldKeys[j];
            if (k != 0) {
                int i = home(k);
                while (keys[i] != 0) {
                    i = (i + 1) & mask;
                }
                keys[i] = k;
                sizes[i] = oldSizes[j];
                tracebacks[i] = oldTracebacks[j];
            }
        }
    }

    /** Calls {@code sink} with a {@link Trace} of every entry, in table order. */
    void forEach(int domain, Consumer<Trace> sink) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != 0) {
                sink.accept(new Trace(domain, sizeAt(i), tracebacks[i], expectedAt(i)));
            }
        }
    }

    /** An estimate of the bytes the arrays take (8 + 8 + 4 a slot, three array headers). */
    long memoryUsage() {
        return keys.length * 20L + 3 * 16L;
    }

    void clear() {
        if (keys.length == INITIAL_CAPACITY) {
            Arrays.fill(keys, 0);
            Arrays.fill(sizes, 0);
            Arrays.fill(tracebacks, null);
        } else {
            allocate(INITIAL_CAPACITY);
        }
        count = 0;
    }
}
