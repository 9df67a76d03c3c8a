package io.pymem4j.debug;

import io.pymem4j.api.PyMemAllocatorDomain;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the layer knows of every address it handed out: a record per block, found by the
 * address itself through a radix tree (as CPython 3.10+ finds an arena through its arena
 * map) or, most of the time, through a cache of the tree's leaves that all tables share
 * ({@link #RECENT}), and per thread a ring of the last {@code debug.history} blocks it gave back. Nothing lives on the
 * native heap and no Java object is made per block. The diagram is in the package
 * documentation.
 *
 * <p>Hot paths ({@link #adopt}, {@link #take}) allocate nothing and take no lock: a block
 * changes hands with one compare-and-set of its record, so of two threads freeing one block
 * exactly one passes it down.
 */
final class BlockTable {

    /** What a record says of its address. */
    enum Kind {
        /** Handed out and not taken back. */
        LIVE,
        /** Freed by debug free (or, pinned, taken by a free or realloc still under way, or in quarantine). */
        FREED,
        /** Freed by a debug realloc that moved the block to {@link Entry#movedTo()}. */
        MOVED,
        /** Failed a check: reported and leaked, never passed down. Kept for good. */
        LEAKED
    }

    /** {@link #take}: the pointer is not a live block (the record, if any, is unchanged). */
    static final long NOT_LIVE = -1;

    /** Checks a live block the caller has just taken. */
    @FunctionalInterface
    interface Check {
        /** The first problem of the block at {@code p} made with {@code size} and {@code serial}, or null. */
        Problem check(long p, long size, long serial);
    }

    /**
     * What the table knows of one address, for reports (allocated, never on a hot path).
     *
     * @param address    the user pointer
     * @param kind       its record's kind
     * @param size       the requested size of the block
     * @param serial     its serial number (modulo 2^52)
     * @param domain     the domain that made it
     * @param through    the domain of the call that ended it (LIVE: {@code domain})
     * @param movedTo    the new address for {@link Kind#MOVED}, else 0
     * @param remembered false for a FREED or MOVED record older than the history: the table no
     *                   longer vouches for it, as the address may have been handed out by another allocator
     */
    record Entry(long address, Kind kind, long size, long serial, PyMemAllocatorDomain domain,
                 PyMemAllocatorDomain through, long movedTo, boolean remembered) {
        LiveBlock block() {
            return new LiveBlock(size, serial, domain);
        }
    }

    /**
     * User pointers are told apart in granules of 32 bytes: the backend's blocks hold the
     * layer's 24 or 32 bytes of overhead at least (see {@link BlockLayout#total}), so two live
     * blocks never start in one granule.
     */
    static final int GRANULE_SHIFT = 5;
    /** A leaf holds the records of a region of 64 KiB. */
    private static final int REGION_SHIFT = 16;
    /** The mid level spans 4 GiB, the root the 48-bit user address space of x86-64 and AArch64. */
    private static final int MID_SHIFT = 32;
    static final int ADDRESS_BITS = 48;
    private static final int LEAF_RECORDS = 1 << (REGION_SHIFT - GRANULE_SHIFT);
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
    private static final int MID_NODES = 1 << (MID_SHIFT - REGION_SHIFT);
    static final long LEAF_BYTES = (long) LEAF_LENGTH * Long.BYTES;
    static final long MID_BYTES = (long) MID_NODES * Integer.BYTES;
    private static final int ROOT_NODES = 1 << (ADDRESS_BITS - MID_SHIFT);

    // A record is two longs in its leaf: SIZE, then META, which packs the kind, the two
    // domains, the pointer's offset in its granule and the serial number.
    private static final int SIZE = 0;
    private static final int META = 1;

    private static final long KIND_MASK = 0b111;
    private static final int EMPTY = 0;
    private static final int LIVE = 1;
    /** Taken by a free or realloc that has not given the block back yet (a realloc, the quarantine). */
    private static final int PINNED = 2;
    private static final int FREED = 3;
    private static final int MOVED = 4;
    private static final int LEAKED = 5;
    private static final int DOMAIN_SHIFT = 3;
    private static final int THROUGH_SHIFT = 5;
    private static final int OFFSET_SHIFT = 7;
    private static final int SERIAL_SHIFT = 12;
    private static final long GRANULE_MASK = (1L << GRANULE_SHIFT) - 1;
    private static final long OFFSET_MASK = GRANULE_MASK << OFFSET_SHIFT;
    /** A record keeps 52 bits of serial number: the layer's serials wrap there ({@link #serialBits}). */
    private static final long SERIAL_MASK = -1L >>> SERIAL_SHIFT;

    private static final PyMemAllocatorDomain[] DOMAINS = PyMemAllocatorDomain.values();

    private static final VarHandle RECORDS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle MIDS = MethodHandles.arrayElementVarHandle(long[][][].class);
    private static final VarHandle LEAVES = MethodHandles.arrayElementVarHandle(long[][].class);

    /** Where a leaf keeps its key, in the padding before its records: its table's id, then its region ({@code p >>> 16}). */
    private static final int KEY = 0;
    private static final int TABLE_SHIFT = ADDRESS_BITS - REGION_SHIFT;
    static final int RECENT_SLOTS = 1 << 14;
    /**
     * Leaves of every table by region number modulo {@value #RECENT_SLOTS}, each told apart by
     * its key: a lookup is one load and a compare before the record's, where the tree takes
     * three dependent loads after a field of the table. Static, so that the JIT knows the
     * array's place and length (no load of either, no bounds check). A miss
     * (an empty slot, another region's or another table's leaf) goes to the tree and puts the
     * leaf here. Slots are written on misses only, so threads share them read-only in the
     * steady state.
     */
    private static final long[][] RECENT = new long[RECENT_SLOTS][];
    private static final AtomicLong TABLES = new AtomicLong();
    /** Clears a collected table's leaves out of {@link #RECENT}, which would otherwise keep them (32 KiB each). */
    private static final Cleaner CLEANER = Cleaner.create(Thread.ofPlatform().name("pymem4j-debug-cleaner").factory());

    /** This table's id, shifted to its place in a leaf's key. */
    final long tableKey;
    /** Takes this table's leaves out of {@link #RECENT}: run once, when the table is collected (or by a test). */
    private final Cleaner.Cleanable forget;
    /** root[p >>> 32][(p >>> 16) & 0xffff] is the leaf of p's region; nodes are made under {@link #grow}'s lock, never freed. */
    private final long[][][] root = new long[ROOT_NODES][][];
    private final Object grow = new Object();
    /** How many of the last blocks each thread gave back are remembered. */
    private final int history;
    private final int ringMask;
    /** Each thread's ring of the blocks it gave back (none when the history is 0). */
    private final PerThread<Ring> rings;

    /**
     * One thread's last frees: per entry the address, the serial of the block that lived
     * there (so an entry names one incarnation of an address) and where a realloc moved it
     * (or 0); a power of two at least {@code history} entries long, of which the last
     * {@code history} count. The owner alone writes it, so a free takes no atomic instruction
     * and threads never share its cache lines.
     */
    private static final class Ring {
        private static final VarHandle WRITTEN;

        static {
            try {
                WRITTEN = MethodHandles.lookup().findVarHandle(Ring.class, "written", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final long[] entries;
        /** Entries written so far; read opaquely by reports. */
        @SuppressWarnings("unused") // through WRITTEN
        private long written;

        Ring(int size) {
            entries = new long[3 * size];
        }
    }

    BlockTable(int history) {
        long id = TABLES.incrementAndGet();
        if (id >= 1L << (Long.SIZE - 1 - TABLE_SHIFT)) {
            throw new IllegalStateException("more debug layers made than a leaf's key can tell apart: " + id);
        }
        this.tableKey = id << TABLE_SHIFT;
        this.forget = CLEANER.register(this, new Forget(tableKey));
        this.history = history;
        int ring = history <= 1 ? history : Integer.highestOneBit(history - 1) << 1;
        this.ringMask = ring - 1;
        this.rings = history == 0 ? null : new PerThread<>(() -> new Ring(ring));
    }

    /** {@code serial} modulo 2^52, the most a record keeps. */
    static long serialBits(long serial) {
        return serial & SERIAL_MASK;
    }

    /** How many of the last blocks each thread gave back are remembered. */
    long history() {
        return history;
    }

    /**
     * A block was made (or moved) at {@code p}: its record replaces whatever the address had
     * (the address was given back).
     *
     * @throws IllegalStateException when {@code p} is not below 2^48, the user address space of 4-level paging
     */
    void adopt(long p, long size, long serial, PyMemAllocatorDomain domain) {
        long[] leaf = leaf(p, true);
        int i = index(p);
        leaf[i + SIZE] = size;
        // Release: a thread that sees LIVE sees the size.
        RECORDS.setRelease(leaf, i + META, LIVE | offset(p) | (long) domain.ordinal() << DOMAIN_SHIFT
                | serial << SERIAL_SHIFT);
    }

    /**
     * Takes the live block at {@code p} through {@code through}'s free or realloc: ends its
     * record with one compare-and-set, then checks it with {@code check}.
     *
     * @param pin keep the record until {@link #revive}, {@link #moved}, {@link #returned} or a
     *            new {@link #adopt} of the address ends it (the block does not go to the backend yet)
     * @return the block's size when it passed the check (it is now FREED, or pinned);
     *         {@link #NOT_LIVE}; or {@code -2 - problem.ordinal()} when it failed (it is now LEAKED)
     */
    long take(long p, PyMemAllocatorDomain through, boolean pin, Check check) {
        long[] leaf = leaf(p, false);
        if (leaf == null) {
            return NOT_LIVE;
        }
        int i = index(p);
        long meta = (long) RECORDS.getAcquire(leaf, i + META);
        if (kind(meta) != LIVE || (meta & OFFSET_MASK) != offset(p)) {
            return NOT_LIVE;
        }
        long ended = (meta & ~KIND_MASK) | (long) through.ordinal() << THROUGH_SHIFT;
        // Pinned until the free is in this thread's ring: a second free meanwhile finds a
        // block taken, a double free, whatever the check finds.
        if (!RECORDS.compareAndSet(leaf, i + META, meta, ended | PINNED)) {
            return NOT_LIVE; // another thread took it first
        }
        long size = leaf[i + SIZE];
        Problem problem = check.check(p, size, meta >>> SERIAL_SHIFT);
        if (problem != null) {
            RECORDS.setRelease(leaf, i + META, ended | LEAKED);
            return -2 - problem.ordinal();
        }
        if (!pin) {
            remember(p, meta >>> SERIAL_SHIFT, 0);
            RECORDS.setRelease(leaf, i + META, ended | FREED);
        }
        return size;
    }

    /** A realloc that took {@code p} failed: the block is live again, as it was. */
    void revive(long p) {
        end(p, LIVE, 0);
    }

    /** A realloc moved the taken block at {@code from} to {@code to}; the backend freed {@code from}. */
    void moved(long from, long to) {
        end(from, MOVED, to);
    }

    /** A taken block left the quarantine intact and went back to the backend. */
    void returned(long p) {
        end(p, FREED, 0);
    }

    /** A taken block was found written after its free: reported and leaked. */
    void leaked(long p) {
        end(p, LEAKED, 0);
    }

    /** Ends the pinned record of {@code p} as {@code kind}; only the thread that took it calls this. */
    private void end(long p, int kind, long movedTo) {
        long[] leaf = leaf(p, false);
        int i = index(p);
        long meta = leaf == null ? 0 : leaf[i + META];
        if (kind(meta) != PINNED || (meta & OFFSET_MASK) != offset(p)) {
            return;
        }
        long kept = meta & ~KIND_MASK;
        if (kind == LIVE) {
            kept &= ~(0b11L << THROUGH_SHIFT);
        }
        RECORDS.setRelease(leaf, i + META, kept | kind);
        if (kind == FREED || kind == MOVED) {
            remember(p, meta >>> SERIAL_SHIFT, movedTo);
        }
    }

    /** Puts the block of {@code serial} at {@code p} in the calling thread's ring of blocks given back. */
    private void remember(long p, long serial, long movedTo) {
        if (rings == null) {
            return;
        }
        Ring r = rings.get();
        long n = (long) Ring.WRITTEN.get(r);
        int at = 3 * (int) (n & ringMask);
        r.entries[at] = p;
        r.entries[at + 1] = serial;
        r.entries[at + 2] = movedTo;
        Ring.WRITTEN.setOpaque(r, n + 1);
    }

    /** The record of {@code p}, or null. */
    Entry lookup(long p) {
        long[] leaf = leaf(p, false);
        if (leaf == null) {
            return null;
        }
        int i = index(p);
        long meta = (long) RECORDS.getAcquire(leaf, i + META);
        return kind(meta) == EMPTY || (meta & OFFSET_MASK) != offset(p) ? null : entry(p, leaf[i + SIZE], meta);
    }

    /** The live block whose data or pads hold {@code p} (not its start), or null: a scan of every record, for reports only. */
    Entry containing(long p) {
        Entry[] found = new Entry[1];
        forEachRecord((start, size, meta) -> {
            if (kind(meta) == LIVE && p != start
                    && p > start - BlockLayout.HEADER && p < start + size + BlockLayout.SST) {
                found[0] = entry(start, size, meta);
            }
        });
        return found[0];
    }

    /** How many blocks are live: a scan of every record, for statistics and tests. */
    int liveBlocks() {
        int[] n = new int[1];
        forEachRecord((start, size, meta) -> {
            if (kind(meta) == LIVE) {
                n[0]++;
            }
        });
        return n[0];
    }

    /** Leaves made so far, each the records of 64 KiB of addresses (for tests). */
    int leaves() {
        int[] n = new int[1];
        forEachLeaf((base, leaf) -> n[0]++);
        return n[0];
    }

    /**
     * The Java heap the tree's arrays hold, their headers left out and references counted
     * as 4 bytes (compressed, the JVM's default below 32 GiB of heap): {@value #LEAF_BYTES}
     * bytes a leaf, one per 64 KiB region the layer ever handed out a block in, and 256 KiB
     * a mid node, one per 4 GiB. Nothing is given back while the layer lives: a record half
     * the size of the addresses it covers is the price of finding any pointer's record
     * without reading the pointer.
     */
    long javaHeapBytes() {
        long[] n = new long[2];
        for (int r = 0; r < ROOT_NODES; r++) {
            if (MIDS.getAcquire(root, r) != null) {
                n[0]++;
            }
        }
        forEachLeaf((base, leaf) -> n[1]++);
        return n[0] * MID_BYTES + n[1] * LEAF_BYTES;
    }

    private Entry entry(long p, long size, long meta) {
        int k = kind(meta);
        Kind kind = switch (k) {
            case LIVE -> Kind.LIVE;
            case PINNED, FREED -> Kind.FREED;
            case MOVED -> Kind.MOVED;
            default -> Kind.LEAKED;
        };
        PyMemAllocatorDomain domain = DOMAINS[(int) (meta >>> DOMAIN_SHIFT) & 0b11];
        PyMemAllocatorDomain through = k == LIVE ? domain : DOMAINS[(int) (meta >>> THROUGH_SHIFT) & 0b11];
        long movedTo = 0;
        boolean remembered = true;
        if (k == FREED || k == MOVED) {
            long[] found = given(p, meta >>> SERIAL_SHIFT);
            remembered = found != null;
            movedTo = remembered ? found[0] : 0;
        }
        return new Entry(p, kind, size, meta >>> SERIAL_SHIFT, domain, through, movedTo, remembered);
    }

    /**
     * Where the block of {@code serial} at {@code p} was moved ({@code {movedTo}}, 0 when it
     * was freed) if a thread's ring still holds its free, else null.
     */
    private long[] given(long p, long serial) {
        if (rings == null) {
            return null;
        }
        long[][] found = new long[1][];
        rings.forEach(r -> {
            long n = (long) Ring.WRITTEN.getOpaque(r);
            for (long k = n - 1; k >= 0 && k >= n - history && found[0] == null; k--) {
                int at = 3 * (int) (k & ringMask);
                if (r.entries[at] == p && r.entries[at + 1] == serial) {
                    found[0] = new long[] {r.entries[at + 2]};
                }
            }
        });
        return found[0];
    }

    @FunctionalInterface
    private interface RecordVisitor {
        void visit(long p, long size, long meta);
    }

    @FunctionalInterface
    private interface LeafVisitor {
        void visit(long regionBase, long[] leaf);
    }

    private void forEachRecord(RecordVisitor visitor) {
        forEachLeaf((base, leaf) -> {
            for (int g = 0; g < LEAF_RECORDS; g++) {
                int i = record(g);
                long meta = (long) RECORDS.getAcquire(leaf, i + META);
                if (kind(meta) != EMPTY) {
                    long p = base + ((long) g << GRANULE_SHIFT) + ((meta & OFFSET_MASK) >>> OFFSET_SHIFT);
                    visitor.visit(p, leaf[i + SIZE], meta);
                }
            }
        });
    }

    private void forEachLeaf(LeafVisitor visitor) {
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

    /** The leaf of {@code p}'s region; made when {@code create}, else null when there is none. */
    private long[] leaf(long p, boolean create) {
        long region = p >>> REGION_SHIFT;
        if (region >>> TABLE_SHIFT == 0) { // else not a user address: the tree says so
            long[] leaf = RECENT[recentSlot(region)];
            // A load-acquire of the slot: the key and the records written before the leaf's
            // release are seen (a plain load and a fence, which costs no instruction on x86,
            // where the VarHandle's acquire load also checks the element's class).
            VarHandle.acquireFence();
            if (leaf != null && leaf[KEY] == (tableKey | region)) {
                return leaf;
            }
        }
        return leafOfTree(p, create);
    }

    /** {@link #leaf} through the radix tree; the leaf found or made goes into {@link #RECENT}. */
    private long[] leafOfTree(long p, boolean create) {
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
        if (leaf != null) {
            LEAVES.setRelease(RECENT, recentSlot(p >>> REGION_SHIFT), leaf);
        }
        return leaf;
    }

    private long[] makeLeaf(int r, int m) {
        synchronized (grow) {
            long[][] mid = root[r];
            if (mid == null) {
                mid = new long[MID_NODES][];
                MIDS.setRelease(root, r, mid);
            }
            long[] leaf = mid[m];
            if (leaf == null) {
                leaf = new long[LEAF_LENGTH];
                leaf[KEY] = tableKey | (long) r << (MID_SHIFT - REGION_SHIFT) | m;
                LEAVES.setRelease(mid, m, leaf);
            }
            return leaf;
        }
    }

    /** A collected table's cleaning: its leaves leave {@link #RECENT} (it must not refer to the table). */
    private record Forget(long tableKey) implements Runnable {
        @Override
        public void run() {
            for (int i = 0; i < RECENT_SLOTS; i++) {
                long[] leaf = (long[]) LEAVES.getAcquire(RECENT, i);
                if (isOfTable(leaf, tableKey)) {
                    LEAVES.compareAndSet(RECENT, i, leaf, null);
                }
            }
        }
    }

    /** The slot of {@link #RECENT} that holds the leaf of region {@code region} ({@code p >>> 16}) when it is cached. */
    private static int recentSlot(long region) {
        return (int) region & (RECENT_SLOTS - 1);
    }

    /** Whether {@code leaf} (or null) belongs to the table with {@code tableKey}. */
    private static boolean isOfTable(long[] leaf, long tableKey) {
        return leaf != null && leaf[KEY] >>> TABLE_SHIFT == tableKey >>> TABLE_SHIFT;
    }

    /** Takes this table's leaves out of the shared cache now, as its collection would (for tests). */
    void forgetCachedLeaves() {
        forget.clean();
    }

    /** How many slots of the shared leaf cache hold a leaf of this table (for tests). */
    int cachedLeaves() {
        return cachedLeaves(tableKey);
    }

    /** How many slots of the shared leaf cache hold a leaf of the table with {@code tableKey}, collected or not (for tests). */
    static int cachedLeaves(long tableKey) {
        int n = 0;
        for (int i = 0; i < RECENT_SLOTS; i++) {
            long[] leaf = (long[]) LEAVES.getAcquire(RECENT, i);
            if (isOfTable(leaf, tableKey)) {
                n++;
            }
        }
        return n;
    }

    /** Where {@code p}'s record sits in its leaf. */
    static int index(long p) {
        return record((int) (p >>> GRANULE_SHIFT) & (LEAF_RECORDS - 1));
    }

    /** Where the record of granule {@code g} of a region sits in the region's leaf. */
    private static int record(int g) {
        return LEAF_PAD + (g << 1);
    }

    /** {@code p}'s offset in its granule, as the record keeps it. */
    private static long offset(long p) {
        return (p & GRANULE_MASK) << OFFSET_SHIFT;
    }

    private static int kind(long meta) {
        return (int) (meta & KIND_MASK);
    }
}
