package io.pymem4j.debug;

/**
 * The layout of a leaf, the {@code long[]} that holds the records of one 64 KiB region of
 * addresses: its key in the padding before the records, the padding itself, and where the
 * record of each 32-byte granule sits. What a record holds is {@link BlockTable}'s; the
 * diagram is in the package documentation.
 */
final class LeafLayout {

    /**
     * User pointers are told apart in granules of 32 bytes: the backend's blocks hold the
     * layer's 24 or 32 bytes of overhead at least (see {@link BlockLayout#total}), so two live
     * blocks never start in one granule.
     */
    static final int GRANULE_SHIFT = 5;
    /** Records in a leaf, one per granule of its region; a record is two longs. */
    static final int LEAF_RECORDS = 1 << (LeafTree.REGION_SHIFT - GRANULE_SHIFT);
    /**
     * Longs of padding before and after a leaf's records, a cache line each. Every lookup
     * reads the leaf's length (its bounds check) from the array's header line; without the
     * padding, the records of blocks at the start of a region would sit in that line, and a
     * thread freeing such a block would stall every other thread's lookups in the leaf
     * (false sharing whenever a pool lies at a region's start). The end is padded as well,
     * for the header of whatever object follows the leaf.
     */
    static final int LEAF_PAD = 8;
    static final int LEAF_LENGTH = LEAF_PAD + 2 * LEAF_RECORDS + LEAF_PAD;
    /** Where a leaf keeps its key, in the padding before its records: its table's id, then its region ({@code p >>> 16}). */
    static final int KEY = 0;
    /** A retired leaf's key, which no table's lookup matches. */
    static final long RETIRED_KEY = -1;
    /** Where a table's id sits in a leaf's key, above the region's bits. */
    static final int TABLE_SHIFT = LeafTree.ADDRESS_BITS - LeafTree.REGION_SHIFT;

    private LeafLayout() {
    }

    /** Where {@code p}'s record sits in its leaf. */
    static int index(long p) {
        return record((int) (p >>> GRANULE_SHIFT) & (LEAF_RECORDS - 1));
    }

    /** Where the record of granule {@code g} of a region sits in the region's leaf. */
    static int record(int g) {
        return LEAF_PAD + (g << 1);
    }
}
