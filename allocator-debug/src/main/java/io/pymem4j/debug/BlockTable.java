package io.pymem4j.debug;

import io.pymem4j.api.PyMemAllocatorDomain;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static io.pymem4j.debug.LeafLayout.GRANULE_SHIFT;
import static io.pymem4j.debug.LeafLayout.KEY;
import static io.pymem4j.debug.LeafLayout.LEAF_RECORDS;
import static io.pymem4j.debug.LeafLayout.RETIRED_KEY;
import static io.pymem4j.debug.LeafLayout.TABLE_SHIFT;
import static io.pymem4j.debug.LeafLayout.index;
import static io.pymem4j.debug.LeafLayout.record;

/**
 * What the layer knows of every address it handed out: a record per block, in a leaf (the
 * records of a 64 KiB region) found by the address itself through the shared {@link LeafCache}
 * or, on a miss, this table's {@link LeafTree}, and a {@linkplain FreeHistory history} of the
 * last {@code debug.history} blocks given back. Nothing lives on the native heap and no Java
 * object is made per block. The diagram is in the package documentation.
 *
 * <p>Hot paths ({@link #adopt}, {@link #take}) allocate nothing and take no lock: a block
 * changes hands with one compare-and-set of its record, so of two threads freeing one block
 * exactly one passes it down. The tree is bounded by what is live (its sweeps retire a leaf
 * record by record with compare-and-sets, against {@link #adopt}'s); when the Java heap
 * cannot hold a new leaf, {@link #adopt} says so instead of throwing, and the layer hands the
 * block back.
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

    /** {@link #adopt}: the table could not grow to record the block (the Java heap is full). */
    static final boolean NO_ROOM = false;

    /** {@link #take}: the pointer is not a live block (the record, if any, is unchanged). */
    static final long NOT_LIVE = -1;

    /** Checks a live block the caller has just taken. */
    @FunctionalInterface
    interface Check {
        /** The first problem of the block at {@code p} made with {@code size} and {@code serial}, or null. */
        Problem check(long p, long size, long serial);
    }

    /** Checks a live block of any domain ({@link #checkLive}). */
    @FunctionalInterface
    interface DomainCheck {
        /** The first problem of the block at {@code p} made through {@code domain} with {@code size} and {@code serial}, or null. */
        Problem check(long p, long size, long serial, PyMemAllocatorDomain domain);
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
     *                   longer vouches for it, as the address may have been handed out by another
     *                   allocator (its first free has aged out of the history)
     * @param tracebacks the ids of its allocation and free tracebacks as the history keeps them
     *                   ({@link FreeHistory#tracebacks(int, int)}), 0 when none were captured or the free is
     *                   not in the history
     */
    record Entry(long address, Kind kind, long size, long serial, PyMemAllocatorDomain domain,
                 PyMemAllocatorDomain through, long movedTo, boolean remembered, long tracebacks) {

        /** An entry without traceback ids. */
        Entry(long address, Kind kind, long size, long serial, PyMemAllocatorDomain domain,
              PyMemAllocatorDomain through, long movedTo, boolean remembered) {
            this(address, kind, size, serial, domain, through, movedTo, remembered, 0);
        }

        LiveBlock block() {
            return new LiveBlock(size, serial, domain);
        }
    }

    // A record is two longs in its leaf (at LeafLayout.index of its pointer): SIZE, then META,
    // which packs the kind, the two domains, the pointer's offset in its granule and the serial.
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
    /** A record of a leaf given back by a sweep: no adopt writes it, every lookup misses it. */
    private static final int RETIRED = 6;
    /** A live block whose pads {@link #checkLive} is reading: a free or realloc of it waits. */
    private static final int CHECKING = 7;
    private static final int DOMAIN_SHIFT = 3;
    private static final int THROUGH_SHIFT = 5;
    private static final int OFFSET_SHIFT = 7;
    static final int SERIAL_SHIFT = 12;
    private static final long GRANULE_MASK = (1L << GRANULE_SHIFT) - 1;
    private static final long OFFSET_MASK = GRANULE_MASK << OFFSET_SHIFT;
    /** A record keeps 52 bits of serial number: the layer's serials wrap there ({@link #serialBits}). */
    private static final long SERIAL_MASK = -1L >>> SERIAL_SHIFT;

    private static final PyMemAllocatorDomain[] DOMAINS = PyMemAllocatorDomain.values();

    private static final VarHandle RECORDS = MethodHandles.arrayElementVarHandle(long[].class);

    private static final AtomicLong TABLES = new AtomicLong();
    /** This table's id, shifted to its place in a leaf's key. */
    final long tableKey;
    /** Takes this table's leaves out of the {@link LeafCache}: run once, when the table is collected (or by a test). */
    private final Cleaner.Cleanable forget;
    /** The leaves of this table's records. */
    final LeafTree tree;
    /** How many of the last blocks given back are remembered. */
    private final int history;
    /** The blocks given back (null when the history is 0). */
    private final FreeHistory given;
    /** {@link #given}'s per-thread frees, kept here for the free path (null when the history is 0). */
    private final PerThread<PendingFrees> pending;

    BlockTable(int history) {
        long id = TABLES.incrementAndGet();
        if (id >= 1L << (Long.SIZE - 1 - TABLE_SHIFT)) {
            throw new IllegalStateException("more debug layers made than a leaf's key can tell apart: " + id);
        }
        this.tableKey = id << TABLE_SHIFT;
        this.forget = LeafCache.forgetWhenCollected(this, tableKey);
        this.tree = new LeafTree(tableKey);
        this.history = history;
        this.given = history == 0 ? null : new FreeHistory(history);
        this.pending = history == 0 ? null : given.pending;
    }

    /** {@code serial} modulo 2^52, the most a record keeps. */
    static long serialBits(long serial) {
        return serial & SERIAL_MASK;
    }

    /** How many of the last blocks given back (by all threads together) are remembered at least. */
    long history() {
        return history;
    }

    /**
     * A block was made (or moved) at {@code p}: its record replaces whatever the address had
     * (the address was given back).
     *
     * @return true, or {@link #NO_ROOM} when the Java heap cannot hold the leaf the record
     *         needs (nothing is recorded)
     * @throws IllegalStateException when {@code p} is not below 2^48, the user address space of 4-level paging
     */
    boolean adopt(long p, long size, long serial, PyMemAllocatorDomain domain) {
        long meta = LIVE | offset(p) | (long) domain.ordinal() << DOMAIN_SHIFT | serial << SERIAL_SHIFT;
        int i = index(p);
        long[] leaf = leaf(p, true);
        while (leaf != null) {
            long old = (long) RECORDS.getAcquire(leaf, i + META);
            if (kind(old) == RETIRED) {
                leaf = afterSweep(p);
                continue;
            }
            leaf[i + SIZE] = size;
            // A compare-and-set, as a sweep retires the record with one; release: a thread that
            // sees LIVE sees the size.
            if (RECORDS.compareAndSet(leaf, i + META, old, meta)) {
                return true;
            }
        }
        return NO_ROOM;
    }

    /** The leaf of {@code p} once the sweep that retired the one found is over. */
    private long[] afterSweep(long p) {
        synchronized (tree.grow) {
            // The sweep holds the lock from the first record it retires until the leaf has left the tree.
            return leafOfTree(p, true);
        }
    }

    /**
     * Takes the live block at {@code p} through {@code through}'s free or realloc: ends its
     * record with one compare-and-set, then checks it with {@code check}.
     *
     * @param pin keep the record until {@link #revive}, {@link #moved}, {@link #returned} or a
     *            new {@link #adopt} of the address ends it (the block does not go to the backend yet)
     * @param tracebacks the ids of the block's allocation and free tracebacks for the history
     *                   ({@link FreeHistory#tracebacks(int, int)}; 0 when not traced), kept unless {@code pin}
     * @return the block's size when it passed the check (it is now FREED, or pinned);
     *         {@link #NOT_LIVE}; or {@code -2 - problem.ordinal()} when it failed (it is now LEAKED)
     */
    long take(long p, PyMemAllocatorDomain through, boolean pin, Check check, long tracebacks) {
        long[] leaf = leaf(p, false);
        if (leaf == null) {
            return NOT_LIVE;
        }
        int i = index(p);
        long meta = (long) RECORDS.getAcquire(leaf, i + META);
        long ended;
        while (true) {
            if ((meta & OFFSET_MASK) != offset(p)) {
                return NOT_LIVE;
            }
            if (kind(meta) == CHECKING) {
                meta = afterCheck(leaf, i);
                continue;
            }
            if (kind(meta) != LIVE) {
                return NOT_LIVE;
            }
            ended = (meta & ~KIND_MASK) | (long) through.ordinal() << THROUGH_SHIFT;
            // Pinned until the free is in this thread's ring: a second free meanwhile finds a
            // block taken, a double free, whatever the check finds.
            if (RECORDS.compareAndSet(leaf, i + META, meta, ended | PINNED)) {
                break;
            }
            // Another thread took it first (then it is not live now), or a check pinned it (wait).
            meta = (long) RECORDS.getAcquire(leaf, i + META);
        }
        long size = leaf[i + SIZE];
        Problem problem = check.check(p, size, meta >>> SERIAL_SHIFT);
        if (problem != null) {
            RECORDS.setRelease(leaf, i + META, ended | LEAKED);
            return -2 - problem.ordinal();
        }
        if (!pin) {
            remember(p, ended | FREED, size, 0, tracebacks);
            RECORDS.setRelease(leaf, i + META, ended | FREED);
        }
        return size;
    }

    /** The record at {@code i} of {@code leaf} once {@link #checkLive} has read its block (a short wait). */
    private static long afterCheck(long[] leaf, int i) {
        long meta;
        for (int spins = 0; kind(meta = (long) RECORDS.getAcquire(leaf, i + META)) == CHECKING; spins++) {
            if (spins < 128) {
                Thread.onSpinWait();
            } else {
                Thread.yield(); // the checking thread may have lost its processor
            }
        }
        return meta;
    }

    /**
     * Checks every live block with {@code check}, each pinned ({@code CHECKING}) while it is
     * read, so that no free gives it back to the backend meanwhile (a free of it waits). A
     * block that fails turns LEAKED, kept for good as a failed free keeps it.
     *
     * @return the user pointers of the blocks that failed and their problems, as {@code {p, problem.ordinal()}}
     */
    List<long[]> checkLive(DomainCheck check) {
        List<long[]> failed = new ArrayList<>();
        tree.forEachLeaf((base, leaf) -> {
            for (int g = 0; g < LEAF_RECORDS; g++) {
                int i = record(g);
                long meta = (long) RECORDS.getAcquire(leaf, i + META);
                if (kind(meta) != LIVE
                        || !RECORDS.compareAndSet(leaf, i + META, meta, (meta & ~KIND_MASK) | CHECKING)) {
                    continue;
                }
                long p = base + ((long) g << GRANULE_SHIFT) + ((meta & OFFSET_MASK) >>> OFFSET_SHIFT);
                PyMemAllocatorDomain domain = DOMAINS[(int) (meta >>> DOMAIN_SHIFT) & 0b11];
                Problem problem = null;
                try {
                    problem = check.check(p, leaf[i + SIZE], meta >>> SERIAL_SHIFT, domain);
                } finally {
                    long through = (long) domain.ordinal() << THROUGH_SHIFT;
                    RECORDS.setRelease(leaf, i + META, problem == null ? meta : (meta & ~KIND_MASK) | through | LEAKED);
                }
                if (problem != null) {
                    failed.add(new long[]{p, problem.ordinal()});
                }
            }
        });
        return failed;
    }

    /** {@link #take(long, PyMemAllocatorDomain, boolean, Check, long)} of a block without traceback ids. */
    long take(long p, PyMemAllocatorDomain through, boolean pin, Check check) {
        return take(p, through, pin, check, 0);
    }

    /** {@link #moved(long, long, long)} without traceback ids. */
    void moved(long from, long to) {
        moved(from, to, 0);
    }

    /** {@link #returned(long, long)} without traceback ids. */
    void returned(long p) {
        returned(p, 0);
    }

    /** A realloc that took {@code p} failed: the block is live again, as it was. */
    void revive(long p) {
        end(p, LIVE, 0, 0);
    }

    /** A realloc moved the taken block at {@code from} to {@code to}; the backend freed {@code from}. */
    void moved(long from, long to, long tracebacks) {
        end(from, MOVED, to, tracebacks);
    }

    /** A taken block left the quarantine intact and went back to the backend. */
    void returned(long p, long tracebacks) {
        end(p, FREED, 0, tracebacks);
    }

    /** A taken block was found written after its free: reported and leaked. */
    void leaked(long p) {
        end(p, LEAKED, 0, 0);
    }

    /** Ends the pinned record of {@code p} as {@code kind}; only the thread that took it calls this. */
    private void end(long p, int kind, long movedTo, long tracebacks) {
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
        if (kind == FREED || kind == MOVED) {
            remember(p, kept | kind, leaf[i + SIZE], movedTo, tracebacks);
        }
        RECORDS.setRelease(leaf, i + META, kept | kind);
    }

    /**
     * Puts the block at {@code p}, ended as {@code meta} says, in the calling thread's
     * pending frees, flushing them to the shared history when they fill the buffer.
     */
    private void remember(long p, long meta, long size, long movedTo, long tracebacks) {
        if (pending == null) {
            return;
        }
        PendingFrees q = pending.get();
        int n = q.count;
        if (n == q.capacity) {
            given.flush(q, n);
            n = 0;
        }
        q.put(n, p, meta, size, movedTo, tracebacks);
    }

    /**
     * The record of {@code p}, or null; when the table holds none (its leaf was given back, or
     * another block's record took its granule), the newest free of {@code p} the history holds.
     */
    Entry lookup(long p) {
        long[] leaf = leaf(p, false);
        if (leaf != null) {
            int i = index(p);
            long meta = (long) RECORDS.getAcquire(leaf, i + META);
            int k = kind(meta);
            if (k != EMPTY && k != RETIRED && (meta & OFFSET_MASK) == offset(p)) {
                return entry(p, leaf[i + SIZE], meta);
            }
        }
        long[] found = given(p, -1);
        return found == null ? null : entry(p, found[2], found[1]);
    }

    /** The live block whose data or pads hold {@code p} (not its start), or null: a scan of every record, for reports only. */
    Entry containing(long p) {
        Entry[] found = new Entry[1];
        forEachRecord((start, size, meta) -> {
            if ((kind(meta) == LIVE || kind(meta) == CHECKING) && p != start
                    && p > start - BlockLayout.HEADER && p < start + size + BlockLayout.SST) {
                found[0] = entry(start, size, meta);
            }
        });
        return found[0];
    }

    /** The requested size of the live block that starts at {@code p}, or -1 when none does. */
    long liveSize(long p) {
        long[] leaf = leaf(p, false);
        if (leaf == null) {
            return -1;
        }
        int i = index(p);
        long meta = (long) RECORDS.getAcquire(leaf, i + META);
        return kind(meta) == LIVE && (meta & OFFSET_MASK) == offset(p) ? leaf[i + SIZE] : -1;
    }

    /**
     * The live blocks: their count and requested bytes, and the first {@code sample} of them
     * in address order, as {@code {p, size, domain ordinal}}. A scan of every record.
     */
    Census census(int sample) {
        Census c = new Census(new long[sample][]);
        forEachRecord((start, size, meta) -> {
            if (kind(meta) == LIVE) {
                if (c.blocks < sample) {
                    c.sample[(int) c.blocks] = new long[]{start, size, (meta >>> DOMAIN_SHIFT) & 0b11};
                }
                c.blocks++;
                c.bytes += size;
            }
        });
        return c;
    }

    /** What {@link #census} found; {@code sample} holds {@code min(blocks, sample.length)} entries. */
    static final class Census {
        final long[][] sample;
        long blocks;
        long bytes;

        private Census(long[][] sample) {
            this.sample = sample;
        }
    }

    /**
     * Drops every leaf and mid node, and this table's leaves from the shared cache: every
     * later lookup finds nothing and no leaf is made again ({@link #adopt} says
     * {@link #NO_ROOM}). What the table holds is then garbage once its layer is.
     */
    void close() {
        tree.close();
        forget.clean();
    }

    /** How many blocks are live: a scan of every record, for statistics and tests. */
    int liveBlocks() {
        int[] n = new int[1];
        forEachRecord((start, size, meta) -> {
            if (kind(meta) == LIVE || kind(meta) == CHECKING) {
                n[0]++;
            }
        });
        return n[0];
    }

    /** Leaves in the tree now, each the records of 64 KiB of addresses (for tests). */
    int leaves() {
        return tree.leaves();
    }

    /** The Java heap the table's tree holds ({@link LeafTree#javaHeapBytes}). */
    long javaHeapBytes() {
        return tree.javaHeapBytes();
    }

    private Entry entry(long p, long size, long meta) {
        int k = kind(meta);
        Kind kind = switch (k) {
            case LIVE, CHECKING -> Kind.LIVE;
            case PINNED, FREED -> Kind.FREED;
            case MOVED -> Kind.MOVED;
            default -> Kind.LEAKED;
        };
        PyMemAllocatorDomain domain = DOMAINS[(int) (meta >>> DOMAIN_SHIFT) & 0b11];
        PyMemAllocatorDomain through = kind == Kind.LIVE ? domain : DOMAINS[(int) (meta >>> THROUGH_SHIFT) & 0b11];
        long movedTo = 0;
        long tracebacks = 0;
        boolean remembered = true;
        if (k == FREED || k == MOVED) {
            long[] found = given(p, meta >>> SERIAL_SHIFT);
            remembered = found != null;
            movedTo = remembered ? found[3] : 0;
            tracebacks = remembered ? found[4] : 0;
        }
        return new Entry(p, kind, size, meta >>> SERIAL_SHIFT, domain, through, movedTo, remembered, tracebacks);
    }

    /** The history's free of the block of {@code serial} at {@code p} ({@link FreeHistory#find}), or null. */
    private long[] given(long p, long serial) {
        return given == null ? null : given.find(p, serial);
    }

    /** The Java heap the history holds: the shared ring and every thread's pending frees (for tests and statistics). */
    long historyBytes() {
        return given == null ? 0 : given.bytes();
    }

    @FunctionalInterface
    private interface RecordVisitor {
        void visit(long p, long size, long meta);
    }

    private void forEachRecord(RecordVisitor visitor) {
        tree.forEachLeaf((base, leaf) -> {
            for (int g = 0; g < LEAF_RECORDS; g++) {
                int i = record(g);
                long meta = (long) RECORDS.getAcquire(leaf, i + META);
                if (kind(meta) != EMPTY && kind(meta) != RETIRED) {
                    long p = base + ((long) g << GRANULE_SHIFT) + ((meta & OFFSET_MASK) >>> OFFSET_SHIFT);
                    visitor.visit(p, leaf[i + SIZE], meta);
                }
            }
        });
    }

    /** The leaf of {@code p}'s region; made when {@code create}, else null when there is none. */
    private long[] leaf(long p, boolean create) {
        long region = p >>> LeafTree.REGION_SHIFT;
        if (region >>> TABLE_SHIFT == 0) { // else not a user address: the tree says so
            long[] leaf = LeafCache.get(tableKey, region);
            if (leaf != null) {
                return leaf;
            }
        }
        return leafOfTree(p, create);
    }

    /** {@link #leaf} through the tree; the leaf found or made goes into the {@link LeafCache}. */
    private long[] leafOfTree(long p, boolean create) {
        long[] leaf = tree.find(p, create);
        if (leaf != null) {
            LeafCache.put(p >>> LeafTree.REGION_SHIFT, leaf);
        }
        return leaf;
    }

    /**
     * Retires every record of {@code leaf} and its key when none is live, pinned or leaked
     * (each with a compare-and-set, against {@link #adopt}'s); else leaves it as it was.
     */
    static boolean retire(long[] leaf, long[] was) {
        for (int g = 0; g < LEAF_RECORDS; g++) {
            if (holds(kind((long) RECORDS.getAcquire(leaf, record(g) + META)))) {
                return false;
            }
        }
        for (int g = 0; g < LEAF_RECORDS; g++) {
            int i = record(g) + META;
            long meta;
            do {
                meta = (long) RECORDS.getAcquire(leaf, i);
                if (holds(kind(meta))) {
                    for (int h = 0; h < g; h++) { // an adopt came first: the leaf stays
                        RECORDS.setRelease(leaf, record(h) + META, was[h]);
                    }
                    return false;
                }
            } while (!RECORDS.compareAndSet(leaf, i, meta, (long) RETIRED));
            was[g] = meta;
        }
        RECORDS.setVolatile(leaf, KEY, RETIRED_KEY);
        return true;
    }

    /** Whether a record of this kind keeps its leaf. */
    private static boolean holds(int kind) {
        return kind == LIVE || kind == PINNED || kind == LEAKED || kind == CHECKING;
    }

    /** Takes this table's leaves out of the shared cache now, as its collection would (for tests). */
    void forgetCachedLeaves() {
        forget.clean();
    }

    /** {@code p}'s offset in its granule, as the record keeps it. */
    private static long offset(long p) {
        return (p & GRANULE_MASK) << OFFSET_SHIFT;
    }

    private static int kind(long meta) {
        return (int) (meta & KIND_MASK);
    }
}
