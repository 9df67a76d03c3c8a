package io.pymem4j.debug;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.IntFunction;

/**
 * The radix tree that finds a {@link BlockTable}'s leaf, the records of one 64 KiB region,
 * from any address below 2^48, and keeps the tree bounded by what is live:
 *
 * <pre>
 *   p:  | 16 bits: root index | 16 bits: mid index | 16 bits: in the region |
 *   root[p >>> 32] -> mid[(p >>> 16) &amp; 0xffff] -> leaf (records, see BlockTable)
 * </pre>
 *
 * <p>Readers take no lock; nodes are made and given back under {@link #grow}'s lock. When the
 * tree has made twice as many leaves as it kept at its last sweep (and at least
 * {@value #SWEEP_MIN_LEAVES}), the next leaf it makes first sweeps it, giving back every leaf
 * that holds no live, pinned or leaked record, and every mid node left empty. A swept leaf
 * is retired record by record with a compare-and-set, as {@link BlockTable#adopt} writes its
 * record with one, so an adopt racing the sweep either keeps the leaf or finds it retired and
 * asks the tree again once the sweep is over. When the Java heap cannot hold a new leaf, the
 * tree says so (null) instead of throwing.
 */
final class LeafTree {

    /** A leaf holds the records of a region of 64 KiB. */
    static final int REGION_SHIFT = 16;
    /** The mid level spans 4 GiB, the root the 48-bit user address space of x86-64 and AArch64. */
    private static final int MID_SHIFT = 32;
    static final int ADDRESS_BITS = 48;
    private static final int MID_NODES = 1 << (MID_SHIFT - REGION_SHIFT);
    private static final int ROOT_NODES = 1 << (ADDRESS_BITS - MID_SHIFT);
    static final long LEAF_BYTES = (long) LeafLayout.LEAF_LENGTH * Long.BYTES;
    static final long MID_BYTES = (long) MID_NODES * Integer.BYTES;
    /** A sweep runs when the tree has made this many leaves at least (2 MiB of them). */
    static final int SWEEP_MIN_LEAVES = 64;

    private static final VarHandle MIDS = MethodHandles.arrayElementVarHandle(long[][][].class);
    private static final VarHandle LEAVES = MethodHandles.arrayElementVarHandle(long[][].class);
    private static final VarHandle RECORDS = MethodHandles.arrayElementVarHandle(long[].class);

    /** The owning table's id, shifted to its place in a leaf's key. */
    private final long tableKey;
    /** root[p >>> 32][(p >>> 16) &amp; 0xffff] is the leaf of p's region. */
    private final long[][][] root = new long[ROOT_NODES][][];
    /** Held while nodes are made or given back; a sweep holds it from its first retired record until the leaf has left the tree. */
    final Object grow = new Object();
    /** Leaves in the tree (under {@link #grow}). */
    private int leafCount;
    /** {@link #makeLeaf} sweeps the tree first when it holds this many leaves (under {@link #grow}). */
    private int sweepAt = SWEEP_MIN_LEAVES;
    /** Set by {@link #close()} under {@link #grow}: no leaf is made after it. */
    private boolean closed;
    /** Makes a leaf's array (a test makes it fail as a full heap would). */
    IntFunction<long[]> newLeaf = long[]::new;

    LeafTree(long tableKey) {
        this.tableKey = tableKey;
    }

    /**
     * The leaf of {@code p}'s region; made when {@code create}, else null when there is none.
     * Null too when the Java heap cannot hold a new leaf.
     *
     * @throws IllegalStateException when {@code create} and {@code p} is not below 2^48
     */
    long[] find(long p, boolean create) {
        int r = (int) (p >>> MID_SHIFT);
        if (r >= ROOT_NODES || r < 0) {
            if (create) {
                throw new IllegalStateException("the debug layer records blocks below 2^" + ADDRESS_BITS
                        + " (48-bit user addresses); the backend returned 0x" + Long.toHexString(p));
            }
            return null;
        }
        long[][] mid = (long[][]) MIDS.getAcquire(root, r);
        int m = (int) (p >>> REGION_SHIFT) & (MID_NODES - 1);
        long[] leaf = mid == null ? null : (long[]) LEAVES.getAcquire(mid, m);
        if (leaf == null && create) {
            leaf = makeLeaf(r, m);
        }
        return leaf;
    }

    /**
     * Gives back every leaf and node for good: each leaf's key is retired (so the shared cache
     * never answers with it again) and no leaf is made after.
     */
    void close() {
        synchronized (grow) {
            closed = true;
            forEachLeaf((base, leaf) -> RECORDS.setVolatile(leaf, LeafLayout.KEY, LeafLayout.RETIRED_KEY));
            for (int r = 0; r < ROOT_NODES; r++) {
                MIDS.setRelease(root, r, null);
            }
            leafCount = 0;
        }
    }

    /** Leaves in the tree now, each the records of 64 KiB of addresses. */
    int leaves() {
        int[] n = new int[1];
        forEachLeaf((base, leaf) -> n[0]++);
        return n[0];
    }

    /**
     * The Java heap the tree's arrays hold, their headers left out and references counted
     * as 4 bytes (compressed, the JVM's default below 32 GiB of heap): {@value #LEAF_BYTES}
     * bytes a leaf, one per 64 KiB region that holds a live (or leaked) block or did since the
     * last sweep, and 256 KiB a mid node, one per 4 GiB that holds a leaf. A record half the
     * size of the addresses it covers is the price of finding any pointer's record without
     * reading the pointer; sweeps keep the leaves within about twice those of live regions
     * (or {@value #SWEEP_MIN_LEAVES}).
     */
    long javaHeapBytes() {
        long mids = 0;
        for (int r = 0; r < ROOT_NODES; r++) {
            if (MIDS.getAcquire(root, r) != null) {
                mids++;
            }
        }
        return mids * MID_BYTES + leaves() * LEAF_BYTES;
    }

    @FunctionalInterface
    interface LeafVisitor {
        void visit(long regionBase, long[] leaf);
    }

    /** Visits every leaf in the tree with the address of its region (no lock: leaves made or swept meanwhile may be missed). */
    void forEachLeaf(LeafVisitor visitor) {
        for (int r = 0; r < ROOT_NODES; r++) {
            long[][] mid = (long[][]) MIDS.getAcquire(root, r);
            if (mid == null) {
                continue;
            }
            for (int m = 0; m < MID_NODES; m++) {
                long[] leaf = (long[]) LEAVES.getAcquire(mid, m);
                if (leaf != null) {
                    visitor.visit(((long) r << MID_SHIFT) | ((long) m << REGION_SHIFT), leaf);
                }
            }
        }
    }

    /** The leaf of region {@code m} of mid node {@code r}, made if need be; null when the heap cannot hold it. */
    private long[] makeLeaf(int r, int m) {
        synchronized (grow) {
            if (closed) {
                return null; // adopt says NO_ROOM; the layer, closed, then throws
            }
            long[][] mid = root[r];
            long[] leaf = mid == null ? null : mid[m];
            if (leaf != null) {
                return leaf;
            }
            if (leafCount >= sweepAt) {
                sweep();
            }
            try {
                return addLeaf(r, m);
            } catch (OutOfMemoryError full) {
                // Leaves no live block needs may make room: retry once after a sweep.
                sweep();
                try {
                    return addLeaf(r, m);
                } catch (OutOfMemoryError stillFull) {
                    return null;
                }
            }
        }
    }

    /** Makes the leaf (and mid node) of region {@code m} of mid node {@code r}; under {@link #grow}. */
    private long[] addLeaf(int r, int m) {
        long[][] mid = root[r];
        if (mid == null) {
            mid = new long[MID_NODES][];
            MIDS.setRelease(root, r, mid);
        }
        long[] leaf = newLeaf.apply(LeafLayout.LEAF_LENGTH);
        leaf[LeafLayout.KEY] = tableKey | leafRegion(r, m);
        LEAVES.setRelease(mid, m, leaf);
        leafCount++;
        return leaf;
    }

    /**
     * Gives back every leaf with no live, pinned or leaked record, and every mid node left
     * with no leaf; the next sweep waits for twice the leaves kept. Under {@link #grow}.
     */
    private void sweep() {
        long[] was = new long[LeafLayout.LEAF_RECORDS];
        for (int r = 0; r < ROOT_NODES; r++) {
            long[][] mid = root[r];
            if (mid == null) {
                continue;
            }
            boolean kept = false;
            for (int m = 0; m < MID_NODES; m++) {
                long[] leaf = mid[m];
                if (leaf == null) {
                    continue;
                }
                if (BlockTable.retire(leaf, was)) {
                    LEAVES.setRelease(mid, m, null);
                    LeafCache.drop(leafRegion(r, m), leaf);
                    leafCount--;
                } else {
                    kept = true;
                }
            }
            if (!kept) {
                MIDS.setRelease(root, r, null);
            }
        }
        sweepAt = Math.max(SWEEP_MIN_LEAVES, 2 * leafCount);
    }

    private static long leafRegion(int r, int m) {
        return (long) r << (MID_SHIFT - REGION_SHIFT) | m;
    }
}
