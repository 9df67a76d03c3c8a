package io.pymem4j.pymalloc;

import io.pymem4j.api.NativeMemory;

/**
 * A heap's front cache of free blocks, its layout and its owner's operations on it: one
 * {@code long[]} on the Java heap holding, per size class, a stack of block addresses the
 * heap's owner freed and hands out again before its pools see them (see "the front cache"
 * in the package documentation).
 *
 * <pre>
 *   long[] cache, STRIDE longs for the heap's counts, then STRIDE longs per class:
 *   counts:     [ live ][ refills ][ unused ... ]
 *   class i:    [ bound << 32 | n ][ block 1 ][ block 2 ] ... [ block n ][ unused ... ]
 *                ^ (i + 1) * STRIDE                             ^ top: the next malloc's block
 * </pre>
 *
 * Word 0 of a class holds the stack's depth {@code n} in its low half and the class's
 * bound in its high half, so that a push or a pop reads one word for both. {@code live}
 * counts the heap's blocks handed out and not yet given back (by a free of the owner's or
 * a collected remote free), {@code refills} the refills since the cache was last emptied.
 * Everything here is the owner's alone: no other thread reads or writes a cache but
 * statistics, which read the depths racily, as they read the other per-heap counts; and
 * the counts sit in the array rather than in {@link Heap}, whose {@code ownerTid} other
 * threads read on every free of one of its blocks.
 */
final class BlockCache {

    /** log2 of the longs each class takes: its word 0 and at most {@code STRIDE - 1} blocks. */
    static final int SHIFT = 6;
    static final int STRIDE = 1 << SHIFT;
    /** Bytes of blocks a class may hold, before the bounds of {@link #limit}. */
    static final int CLASS_BYTES = 8192;
    /** Fewest blocks a class may hold, whatever its size. */
    static final int MIN_BLOCKS = 16;
    /** Index of the heap's live block count. */
    static final int LIVE = 0;
    /** Index of the count of refills since the cache was last emptied. */
    static final int REFILLS = 1;

    private BlockCache() {
    }

    /**
     * The most blocks class {@code szidx} holds: {@value #CLASS_BYTES} bytes of them, at
     * least {@value #MIN_BLOCKS} and at most {@code STRIDE - 1}.
     */
    static int limit(Geometry g, int szidx) {
        return Math.clamp(CLASS_BYTES / g.index2size(szidx), MIN_BLOCKS, STRIDE - 1);
    }

    /** An empty cache for {@code g}'s classes, each with its bound set. */
    static long[] create(Geometry g) {
        long[] c = new long[(g.nbSmallSizeClasses + 1) << SHIFT];
        for (int i = 0; i < g.nbSmallSizeClasses; i++) {
            c[at(i)] = (long) limit(g, i) << 32;
        }
        return c;
    }

    /** Index of class {@code szidx}'s word 0; its blocks follow. */
    static int at(int szidx) {
        return (szidx + 1) << SHIFT;
    }

    /** Blocks class {@code szidx} holds now. */
    static int depth(long[] c, int szidx) {
        return (int) c[at(szidx)];
    }

    /** The bound of class {@code szidx}. */
    static int bound(long[] c, int szidx) {
        return (int) (c[at(szidx)] >>> 32);
    }

    // ================================================================ the owner's operations

    /** Pops a block of class {@code szidx} (counted live), or returns 0 when the class holds none. */
    static long pop(long[] c, int szidx) {
        int at = at(szidx);
        long w = c[at];
        int n = (int) w;
        if (n == 0) {
            return 0;
        }
        c[at] = w - 1;
        c[LIVE]++;
        return c[at + n];
    }

    /**
     * The class's cache is empty: a block of {@code nbytes} from {@code h}'s pools (0 if
     * none can be had), and up to half the class's bound more from the pools already in its
     * ring (no pool is taken from an arena for them).
     */
    static long refill(Pools pm, Heap h, long[] c, int szidx, long nbytes) {
        long bp = pm.pymallocAlloc(h, nbytes);
        if (bp == 0) {
            return 0;
        }
        c[LIVE]++;
        c[REFILLS]++;
        int at = at(szidx);
        int want = bound(c, szidx) >>> 1;
        int n = 0;
        // Filled from the top down, so that the blocks go out in the order the pools gave them.
        while (n < want) {
            long pool = h.ring(szidx);
            if (pool == NativeMemory.getLong(pool + PoolHeader.NEXTPOOL)) {
                break;
            }
            c[at + want - n] = pm.popBlock(h, pool, szidx);
            n++;
        }
        if (n != 0 && n < want) {
            System.arraycopy(c, at + want - n + 1, c, at + 1, n);
        }
        c[at] += n;
        return bp;
    }

    /**
     * The owner frees its block {@code p} of class {@code szidx}: onto the class's stack,
     * whose older half goes back to the pools first when it is full. The heap's last live
     * block empties the whole heap ({@link Pools#drain}) when the cache was refilled at
     * least {@value #EMPTY_HEAP_REFILLS} times since it was last emptied.
     */
    static void free(Pools pm, Heap h, long[] c, int szidx, long p) {
        int at = at(szidx);
        long w = c[at];
        int n = (int) w;
        if (n < (int) (w >>> 32)) {
            c[at + n + 1] = p;
            c[at] = w + 1;
        } else {
            overflow(pm, h, c, at, w, p);
        }
        if (--c[LIVE] == 0 && c[REFILLS] >= EMPTY_HEAP_REFILLS) {
            pm.drain(h);
        }
    }

    /**
     * Refills since the cache was last emptied that make the heap's last free empty it: a
     * heap whose every block is freed after real work gives its pools and arenas back, while
     * a loop that takes and frees one block keeps its blocks cached, within the bounds.
     */
    static final int EMPTY_HEAP_REFILLS = 8;

    /** A full class: its older half goes back to the pools, then {@code p} is pushed. */
    private static void overflow(Pools pm, Heap h, long[] c, int at, long w, long p) {
        int n = (int) w;
        int half = n >>> 1;
        for (int i = 1; i <= half; i++) {
            pm.pymallocFree(h, c[at + i]);
        }
        System.arraycopy(c, at + half + 1, c, at + 1, n - half);
        c[at + n - half + 1] = p;
        c[at] = w - half + 1;
    }

    /**
     * Every block goes back to its pool: by the owner ({@code collect()}, its last free) or,
     * for a heap whose thread ended, by the arena lock's holder.
     */
    static void flush(Pools pm, Heap h, long[] c) {
        for (int at = STRIDE; at < c.length; at += STRIDE) {
            long w = c[at];
            int n = (int) w;
            for (int i = 1; i <= n; i++) {
                pm.pymallocFree(h, c[at + i]);
            }
            c[at] = w - n;
        }
        c[REFILLS] = 0;
    }

    /** Blocks held over all classes. */
    static long total(long[] c) {
        long n = 0;
        for (int i = STRIDE; i < c.length; i += STRIDE) {
            n += (int) c[i];
        }
        return n;
    }
}
