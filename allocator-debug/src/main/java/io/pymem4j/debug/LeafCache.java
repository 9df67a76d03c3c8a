package io.pymem4j.debug;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;

/**
 * The cache of {@linkplain LeafTree leaves} that every debug layer's {@link BlockTable} shares:
 * slot {@code region % SLOTS} holds the last leaf looked up for that region, by whichever
 * table. A leaf carries its key (its table's id and its region) in its padding, so a lookup
 * is one load and a compare, where the tree takes three dependent loads after a field of the
 * table.
 *
 * <p>The array is static so that the JIT knows its place and length (no load of either, no
 * bounds check). Slots are written on misses only, so threads share them read-only in the
 * steady state. A table's leaves leave the cache when the table is collected ({@link Forget}),
 * and a sweep takes out each leaf it gives back.
 */
final class LeafCache {

    static final int SLOTS = 1 << 14;
    /** Leaves by region number modulo {@value #SLOTS}, each told apart by its key. */
    private static final long[][] RECENT = new long[SLOTS][];
    private static final VarHandle LEAVES = MethodHandles.arrayElementVarHandle(long[][].class);
    private static final VarHandle RECORDS = MethodHandles.arrayElementVarHandle(long[].class);
    /** Clears a collected table's leaves out of the cache, which would otherwise keep them (32 KiB each). */
    private static final Cleaner CLEANER = Cleaner.create(Thread.ofPlatform().name("pymem4j-debug-cleaner").factory());

    private LeafCache() {
    }

    /** The cached leaf of {@code region} ({@code p >>> 16}, below 2^32) of the table with {@code tableKey}, or null. */
    static long[] get(long tableKey, long region) {
        long[] leaf = RECENT[slot(region)];
        // A load-acquire of the slot: the key and the records written before the leaf's
        // release are seen (a plain load and a fence, which costs no instruction on x86,
        // where the VarHandle's acquire load also checks the element's class).
        VarHandle.acquireFence();
        return leaf != null && leaf[LeafLayout.KEY] == (tableKey | region) ? leaf : null;
    }

    /** Caches {@code leaf}, just found in the tree for {@code region}, unless a sweep has retired it meanwhile. */
    static void put(long region, long[] leaf) {
        int slot = slot(region);
        LEAVES.setRelease(RECENT, slot, leaf);
        if ((long) RECORDS.getVolatile(leaf, LeafLayout.KEY) == LeafLayout.RETIRED_KEY) {
            // Swept since this thread found it: it must not stay in the cache.
            LEAVES.compareAndSet(RECENT, slot, leaf, null);
        }
    }

    /** Takes {@code leaf}, given back by a sweep, out of {@code region}'s slot if it is there. */
    static void drop(long region, long[] leaf) {
        LEAVES.compareAndSet(RECENT, slot(region), leaf, null);
    }

    /** Arranges for the leaves of the table with {@code tableKey} to leave the cache once {@code table} is collected. */
    static Cleaner.Cleanable forgetWhenCollected(Object table, long tableKey) {
        return CLEANER.register(table, new Forget(tableKey));
    }

    /** How many slots hold a leaf of the table with {@code tableKey}, collected or not (for tests). */
    static int count(long tableKey) {
        int n = 0;
        for (int i = 0; i < SLOTS; i++) {
            if (isOfTable((long[]) LEAVES.getAcquire(RECENT, i), tableKey)) {
                n++;
            }
        }
        return n;
    }

    /** The slot that holds the leaf of {@code region} ({@code p >>> 16}) when it is cached. */
    private static int slot(long region) {
        return (int) region & (SLOTS - 1);
    }

    /** Whether {@code leaf} (or null) belongs to the table with {@code tableKey}. */
    private static boolean isOfTable(long[] leaf, long tableKey) {
        return leaf != null && leaf[LeafLayout.KEY] >>> LeafLayout.TABLE_SHIFT == tableKey >>> LeafLayout.TABLE_SHIFT;
    }

    /** A collected table's cleaning: its leaves leave the cache (it must not refer to the table). */
    private record Forget(long tableKey) implements Runnable {
        @Override
        public void run() {
            for (int i = 0; i < SLOTS; i++) {
                long[] leaf = (long[]) LEAVES.getAcquire(RECENT, i);
                if (isOfTable(leaf, tableKey) || leaf != null && leaf[LeafLayout.KEY] == LeafLayout.RETIRED_KEY) {
                    LEAVES.compareAndSet(RECENT, i, leaf, null);
                }
            }
        }
    }
}
