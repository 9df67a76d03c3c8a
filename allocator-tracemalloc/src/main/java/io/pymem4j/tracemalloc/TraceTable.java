package io.pymem4j.tracemalloc;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * The traces of one domain: an open-addressing table from block address to (size,
 * traceback, expected), with linear probing and backward-shift deletion (no tombstones).
 * Address 0 marks an empty slot. Slot {@code i} is {@code entries[2i]} (the address) and
 * {@code entries[2i + 1]} (the size, with the expected flag in its sign bit and the recorded
 * flag in bit 62: sizes stay below 2^62), side by side so
 * that a lookup in a table too large for the caches costs one miss, not two; its traceback is
 * {@code tracebacks[i]}. About 20 bytes a slot with compressed references, at most 60% full.
 * Not thread-safe: {@link Tracemalloc} guards every table with its one lock.
 *
 * <h2>Home slots</h2>
 * A table of a few hundred thousand traces is far larger than the CPU caches, so where a
 * lookup lands in memory matters more than the probes it makes. An allocator hands out
 * neighbouring addresses in a row (pymalloc carves a pool into blocks of one size class; a
 * freed block is soon reused), so the home slot keeps neighbours together: the address's
 * 512-byte region picks a group of 32 slots by a multiplicative (Fibonacci) hash, and its
 * 16-byte unit within the region picks the slot in the group:
 * <pre>
 *   address:  | region (bits 9 and up) | unit (bits 4-8) | bits 0-3 |
 *   home   =  (region · 0x9E3779B97F4A7C15) &gt;&gt;&gt; (64 - log2 capacity)   XOR   unit
 * </pre>
 * Consecutive blocks then share a cache line and a page of the table, where a hash of the
 * whole address would send each to a random line of it. Blocks with less than 16-byte
 * alignment share a home slot with their neighbour and probe one slot on.
 */
final class TraceTable {

    private static final int INITIAL_CAPACITY = 64;
    private static final long EXPECTED_BIT = Long.MIN_VALUE;
    /** The block's allocation is in a JFR recording ({@link NativeAllocationEvent}): its free goes there too. */
    private static final long RECORDED_BIT = 1L << 62;
    private static final long FLAG_BITS = EXPECTED_BIT | RECORDED_BIT;
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    /**
     * Addresses of one 512-byte region have their home slots in one aligned group of 32: no
     * larger than {@link #INITIAL_CAPACITY}, or a home slot could fall outside a small table.
     * Wider groups, or coarser units (two 16-byte units a slot), crowd the groups of densely
     * filled regions and lengthen the probes.
     */
    private static final int REGION_SHIFT = 9;
    private static final int REGION_SLOTS = 1 << (REGION_SHIFT - 4);

    private long[] entries;
    private Traceback[] tracebacks;
    private int count;
    private int shift;

    TraceTable() {
        allocate(INITIAL_CAPACITY);
    }

    private void allocate(int capacity) {
        entries = new long[2 * capacity];
        tracebacks = new Traceback[capacity];
        shift = 64 - Integer.numberOfTrailingZeros(capacity);
    }

    private int home(long key) {
        return (int) (((key >>> REGION_SHIFT) * GOLDEN) >>> shift) ^ (int) ((key >>> 4) & (REGION_SLOTS - 1));
    }

    int size() {
        return count;
    }

    /** The slot of {@code key}, or -1. */
    int find(long key) {
        int mask = tracebacks.length - 1;
        for (int i = home(key); ; i = (i + 1) & mask) {
            long k = entries[2 * i];
            if (k == key) {
                return i;
            }
            if (k == 0) {
                return -1;
            }
        }
    }

    long sizeAt(int slot) {
        return entries[2 * slot + 1] & ~FLAG_BITS;
    }

    boolean recordedAt(int slot) {
        return (entries[2 * slot + 1] & RECORDED_BIT) != 0;
    }

    boolean expectedAt(int slot) {
        return entries[2 * slot + 1] < 0;
    }

    Traceback tracebackAt(int slot) {
        return tracebacks[slot];
    }

    void markExpectedAt(int slot) {
        entries[2 * slot + 1] |= EXPECTED_BIT;
    }

    /**
     * Adds or replaces the trace of {@code key}.
     *
     * @return the size of the trace it replaced, or -1 when there was none
     */
    long put(long key, long size, Traceback traceback, boolean expected, boolean recorded) {
        if ((count + 1) * 5L > tracebacks.length * 3L) {
            rehash(tracebacks.length * 2);
        }
        int mask = tracebacks.length - 1;
        long stored = (expected ? size | EXPECTED_BIT : size) | (recorded ? RECORDED_BIT : 0);
        for (int i = home(key); ; i = (i + 1) & mask) {
            long k = entries[2 * i];
            if (k == key) {
                long old = sizeAt(i);
                entries[2 * i + 1] = stored;
                tracebacks[i] = traceback;
                return old;
            }
            if (k == 0) {
                entries[2 * i] = key;
                entries[2 * i + 1] = stored;
                tracebacks[i] = traceback;
                count++;
                return -1;
            }
        }
    }

    /** Removes the trace in {@code slot}, shifting back the entries probed past it. */
    void removeAt(int slot) {
        int mask = tracebacks.length - 1;
        int hole = slot;
        for (int i = (hole + 1) & mask; entries[2 * i] != 0; i = (i + 1) & mask) {
            int h = home(entries[2 * i]);
            // Move entry i into the hole unless its home lies cyclically in (hole, i].
            boolean stays = hole <= i ? (hole < h && h <= i) : (hole < h || h <= i);
            if (!stays) {
                entries[2 * hole] = entries[2 * i];
                entries[2 * hole + 1] = entries[2 * i + 1];
                tracebacks[hole] = tracebacks[i];
                hole = i;
            }
        }
        entries[2 * hole] = 0;
        entries[2 * hole + 1] = 0;
        tracebacks[hole] = null;
        count--;
    }

    private void rehash(int capacity) {
        long[] oldEntries = entries;
        Traceback[] oldTracebacks = tracebacks;
        allocate(capacity);
        int mask = capacity - 1;
        for (int j = 0; j < oldTracebacks.length; j++) {
            long k = oldEntries[2 * j];
            if (k != 0) {
                int i = home(k);
                while (entries[2 * i] != 0) {
                    i = (i + 1) & mask;
                }
                entries[2 * i] = k;
                entries[2 * i + 1] = oldEntries[2 * j + 1];
                tracebacks[i] = oldTracebacks[j];
            }
        }
    }

    /** What {@link #forEachBlock} calls per entry. */
    @FunctionalInterface
    interface BlockVisitor {
        void visit(long address, long size, Traceback traceback);
    }

    /** Calls {@code visitor} with every entry's address, size and traceback, in table order. */
    void forEachBlock(BlockVisitor visitor) {
        for (int i = 0; i < tracebacks.length; i++) {
            if (entries[2 * i] != 0) {
                visitor.visit(entries[2 * i], sizeAt(i), tracebacks[i]);
            }
        }
    }

    /** Calls {@code sink} with a {@link Trace} of every entry, in table order. */
    void forEach(int domain, Consumer<Trace> sink) {
        for (int i = 0; i < tracebacks.length; i++) {
            if (entries[2 * i] != 0) {
                sink.accept(new Trace(domain, sizeAt(i), tracebacks[i], expectedAt(i)));
            }
        }
    }

    /** An estimate of the bytes the arrays take (8 + 8 + 4 a slot, two array headers). */
    long memoryUsage() {
        return tracebacks.length * 20L + 2 * 16L;
    }

    void clear() {
        if (tracebacks.length == INITIAL_CAPACITY) {
            Arrays.fill(entries, 0);
            Arrays.fill(tracebacks, null);
        } else {
            allocate(INITIAL_CAPACITY);
        }
        count = 0;
    }
}
