package io.pymem4j.debug;

import io.pymem4j.api.PyMemAllocatorDomain;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.ToIntFunction;

/**
 * What the layer knows of every address it handed out: the live blocks and the fate of the
 * last N it took back, off the native heap and without a Java object per block. The design
 * is in the package documentation; in short, a record is four longs in a striped
 * open-addressing table, and a free turns a live record into a history record in place.
 *
 * <p>Hot paths ({@link #adopt}, {@link #take}) allocate nothing and take one stripe's spin
 * lock, with no other lock held. A free's checks run under that lock, so of two threads
 * freeing one block exactly one passes it down and the other finds its history.
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

    /** Checks a live block under its stripe's lock. */
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
     * @param serial     its serial number
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

    // A record is FIELDS longs: KEY (the user pointer, 0 for an empty slot), SIZE, SERIAL and
    // META, which packs the kind, the pinned flag, the two domains and the return sequence.
    private static final int FIELDS = 4;
    private static final int KEY = 0;
    private static final int SIZE = 1;
    private static final int SERIAL = 2;
    private static final int META = 3;

    private static final long KIND_MASK = 0b11;
    /** A taken record that must not be dropped as old history (a realloc under way, the quarantine, a leak). */
    private static final long PINNED = 1L << 2;
    private static final int DOMAIN_SHIFT = 3;
    private static final int THROUGH_SHIFT = 5;
    private static final int SEQUENCE_SHIFT = 8;

    private static final int LIVE = Kind.LIVE.ordinal();
    private static final int FREED = Kind.FREED.ordinal();
    private static final int MOVED = Kind.MOVED.ordinal();
    private static final int LEAKED = Kind.LEAKED.ordinal();

    private static final Kind[] KINDS = Kind.values();
    private static final PyMemAllocatorDomain[] DOMAINS = PyMemAllocatorDomain.values();

    private static final int STRIPE_BITS = 6;
    private static final int INITIAL_SLOTS = 16;
    /** Addresses in one region of 2^10 bytes share a stripe and a run of slots. */
    private static final int REGION_SHIFT = 10;
    /** Addresses are told apart in granules of 16 bytes (blocks are 32 bytes apart at least)... */
    private static final int GRANULE_SHIFT = 4;
    /**
     * ...and a region's granules are 4 slots apart: its run of 256 slots spans two pages of
     * the table, and the runs of regions that meet in a stripe interleave instead of piling up.
     */
    private static final int SPREAD_SHIFT = 2;

    /** An insert that probes further rebuilds its stripe, at twice the size unless it keeps under an eighth. */
    static final int LONG_PROBE = 64;

    private final Stripe[] stripes = new Stripe[1 << STRIPE_BITS];
    /** How many FREED or MOVED records are remembered: the last {@code history} blocks given back. */
    private final long history;
    /**
     * Blocks given back to the allocator below so far; each record's return sequence is a
     * value of it. Counted under the stripe's lock but with no atomic instruction of its own
     * (one per free would cost as much as the lock): frees in two stripes at once may count
     * once, or set it back, which only makes the history longer. So the table remembers at
     * least the last {@code history} blocks given back, exactly that many when frees do not
     * overlap (one thread, or GIL mode).
     */
    @SuppressWarnings("unused") // through RETURNED
    private long returned;

    private static final VarHandle RETURNED;

    static {
        try {
            RETURNED = MethodHandles.lookup().findVarHandle(BlockTable.class, "returned", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    BlockTable(long history) {
        this.history = history;
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new Stripe();
        }
    }

    /** How many of the last blocks given back are remembered (at least). */
    long history() {
        return history;
    }

    /** A block was made (or moved) at {@code p}: its record replaces whatever the address had (the address was given back). */
    void adopt(long p, long size, long serial, PyMemAllocatorDomain domain) {
        long h = hash(p);
        Stripe s = stripe(h);
        s.lock();
        try {
            int i = s.find(p, h);
            if (i < 0) {
                boolean crowded = s.used >= s.calm && s.probes(p, h, -1 - i) > LONG_PROBE;
                if (crowded || s.used + 1 > s.capacity() >>> 1) {
                    s.rehash(returnedSoFar(), history, crowded);
                    i = s.find(p, h);
                }
                i = -1 - i;
                s.used++;
                s.live++;
            } else if (kind(s.slots[i + META]) != LIVE) {
                s.live++;
            }
            long[] r = s.slots;
            r[i + KEY] = p;
            r[i + SIZE] = size;
            r[i + SERIAL] = serial;
            r[i + META] = LIVE | (long) domain.ordinal() << DOMAIN_SHIFT;
        } finally {
            s.unlock();
        }
    }

    /**
     * Takes the live block at {@code p} through {@code through}'s free or realloc: checks it
     * with {@code check} and ends its record, atomically.
     *
     * @param pin keep the record until {@link #revive}, {@link #moved}, {@link #returned} or a
     *            new {@link #adopt} of the address ends it (the block does not go to the backend yet)
     * @return the block's size when it passed the check (it is now FREED); {@link #NOT_LIVE};
     *         or {@code -2 - problem.ordinal()} when it failed (it is now LEAKED)
     */
    long take(long p, PyMemAllocatorDomain through, boolean pin, Check check) {
        long h = hash(p);
        Stripe s = stripe(h);
        s.lock();
        try {
            int i = s.find(p, h);
            if (i < 0) {
                return NOT_LIVE;
            }
            long[] r = s.slots;
            long meta = r[i + META];
            if (kind(meta) != LIVE) {
                return NOT_LIVE;
            }
            long size = r[i + SIZE];
            Problem problem = check.check(p, size, r[i + SERIAL]);
            s.live--;
            long ended = (meta & ~KIND_MASK) | (long) through.ordinal() << THROUGH_SHIFT;
            if (problem != null) {
                r[i + META] = ended | LEAKED;
                return -2 - problem.ordinal();
            }
            r[i + META] = ended | FREED | (pin ? PINNED : nextReturn() << SEQUENCE_SHIFT);
            return size;
        } finally {
            s.unlock();
        }
    }

    /** A realloc that took {@code p} failed: the block is live again, as it was. */
    void revive(long p) {
        long h = hash(p);
        Stripe s = stripe(h);
        s.lock();
        try {
            int i = s.find(p, h);
            if (i >= 0 && takenAndPinned(s.slots[i + META])) {
                s.slots[i + META] = LIVE | (s.slots[i + META] & (0b11L << DOMAIN_SHIFT));
                s.live++;
            }
        } finally {
            s.unlock();
        }
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

    private void end(long p, int kind, long movedTo) {
        long h = hash(p);
        Stripe s = stripe(h);
        s.lock();
        try {
            int i = s.find(p, h);
            // Not pinned: the backend already handed the address out again, and it has a new record.
            if (i < 0 || !takenAndPinned(s.slots[i + META])) {
                return;
            }
            long meta = s.slots[i + META] & ((1L << SEQUENCE_SHIFT) - 1) & ~KIND_MASK & ~PINNED;
            s.slots[i + META] = kind == LEAKED ? meta | LEAKED
                    : meta | kind | nextReturn() << SEQUENCE_SHIFT;
            s.movedTo[i / FIELDS] = movedTo;
        } finally {
            s.unlock();
        }
    }

    /** The record of {@code p}, or null. */
    Entry lookup(long p) {
        long h = hash(p);
        Stripe s = stripe(h);
        s.lock();
        try {
            int i = s.find(p, h);
            return i < 0 ? null : s.entry(i, returnedSoFar(), history);
        } finally {
            s.unlock();
        }
    }

    /** The live block whose data or pads hold {@code p} (not its start), or null: a scan, for reports only. */
    Entry containing(long p) {
        for (Stripe s : stripes) {
            s.lock();
            try {
                long[] r = s.slots;
                for (int i = 0; i < r.length; i += FIELDS) {
                    long start = r[i + KEY];
                    if (start != 0 && p != start && kind(r[i + META]) == LIVE
                            && p > start - BlockLayout.HEADER && p < start + r[i + SIZE] + BlockLayout.SST) {
                        return s.entry(i, returnedSoFar(), history);
                    }
                }
            } finally {
                s.unlock();
            }
        }
        return null;
    }

    /** A figure summed over the stripes, each read under its lock. */
    private int sum(ToIntFunction<Stripe> figure) {
        int n = 0;
        for (Stripe s : stripes) {
            s.lock();
            try {
                n += figure.applyAsInt(s);
            } finally {
                s.unlock();
            }
        }
        return n;
    }

    /** How many blocks are live. */
    int liveBlocks() {
        return sum(s -> s.live);
    }

    /** Records held, of every kind (for tests). */
    int records() {
        return sum(s -> s.used);
    }

    /** Slots in all stripes (for tests). */
    int slots() {
        return sum(Stripe::capacity);
    }

    /** The longest distance of a record from its home slot, in slots (for tests). */
    int longestProbe() {
        int longest = 0;
        for (Stripe s : stripes) {
            s.lock();
            try {
                long[] r = s.slots;
                for (int i = 0; i < r.length; i += FIELDS) {
                    if (r[i + KEY] != 0) {
                        longest = Math.max(longest, s.probes(r[i + KEY], hash(r[i + KEY]), i));
                    }
                }
            } finally {
                s.unlock();
            }
        }
        return longest;
    }

    private long returnedSoFar() {
        return (long) RETURNED.getOpaque(this);
    }

    private long nextReturn() {
        long n = (long) RETURNED.getOpaque(this);
        RETURNED.setOpaque(this, n + 1);
        return n;
    }

    private Stripe stripe(long h) {
        return stripes[(int) (h >>> (Long.SIZE - STRIPE_BITS))];
    }

    private static int kind(long meta) {
        return (int) (meta & KIND_MASK);
    }

    private static boolean takenAndPinned(long meta) {
        return kind(meta) == FREED && (meta & PINNED) != 0;
    }

    /** A FREED or MOVED record that is not pinned and older than the last {@code history} returns: dropped at a rebuild. */
    private static boolean forgotten(long meta, long now, long history) {
        int k = kind(meta);
        return (k == FREED || k == MOVED) && (meta & PINNED) == 0
                && now - (meta >>> SEQUENCE_SHIFT) > history;
    }

    /**
     * The hash of {@code p}'s region (murmur3's finalizer of the region number): its stripe
     * (top bits) and where the region's run of slots starts (low bits).
     */
    private static long hash(long p) {
        long h = p >>> REGION_SHIFT;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    /** {@code p}'s home slot in a table of {@code mask + 1} longs: its granule, from the region's start. */
    private static int home(long p, long h, int mask) {
        return (int) ((((p >>> GRANULE_SHIFT) << SPREAD_SHIFT) + h) * FIELDS) & mask;
    }

    /**
     * One stripe: a spin lock and a linear-probing table of records. Records are never
     * removed one by one (no tombstones): a key's record is overwritten when the address is
     * handed out again, and forgotten history is dropped when the table is rebuilt.
     */
    private static final class Stripe {
        private static final VarHandle LOCK;
        private static final int SPINS = 64;

        static {
            try {
                LOCK = MethodHandles.lookup().findVarHandle(Stripe.class, "lock", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        @SuppressWarnings("unused") // through LOCK
        private volatile int lock;
        /** FIELDS longs per slot. */
        long[] slots = new long[INITIAL_SLOTS * FIELDS];
        /** Per slot, the new address of a MOVED record. */
        long[] movedTo = new long[INITIAL_SLOTS];
        int used;
        int live;
        /** No rebuild for a long probe before {@link #used} reaches this: a rebuild is paid for by inserts. */
        int calm = INITIAL_SLOTS / 8;

        /**
         * The critical sections are a probe and a few stores (a rebuild now and then), so a
         * waiter spins briefly, then yields its core.
         */
        void lock() {
            if (!LOCK.compareAndSet(this, 0, 1)) {
                contend();
            }
        }

        private void contend() {
            int spins = 0;
            while (!LOCK.compareAndSet(this, 0, 1)) {
                if (++spins < SPINS) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
        }

        void unlock() {
            LOCK.setRelease(this, 0);
        }

        int capacity() {
            return movedTo.length;
        }

        /** The index of {@code p}'s record in {@link #slots}, or {@code -1 - index} of the empty slot where it would go. */
        int find(long p, long h) {
            long[] r = slots;
            int mask = r.length - 1;
            int i = home(p, h, mask);
            while (true) {
                long k = r[i + KEY];
                if (k == p) {
                    return i;
                }
                if (k == 0) {
                    return -1 - i;
                }
                i = (i + FIELDS) & mask;
            }
        }

        /** How many slots past its home the record of {@code p} sits at index {@code i}. */
        int probes(long p, long h, int i) {
            int mask = slots.length - 1;
            return ((i - home(p, h, mask)) & mask) / FIELDS;
        }

        /**
         * Rebuilds the table without the forgotten history, at twice the size when what is
         * kept fills a quarter of it, or an eighth when {@code crowded} (an insert probed far).
         * Each rebuild is followed by an eighth of the size in inserts at least before the next.
         */
        void rehash(long now, long history, boolean crowded) {
            long[] old = slots;
            long[] oldMoved = movedTo;
            int keep = 0;
            for (int i = 0; i < old.length; i += FIELDS) {
                if (old[i + KEY] != 0 && !forgotten(old[i + META], now, history)) {
                    keep++;
                }
            }
            int capacity = keep >= capacity() >>> (crowded ? 3 : 2) ? capacity() << 1 : capacity();
            slots = new long[capacity * FIELDS];
            movedTo = new long[capacity];
            for (int i = 0; i < old.length; i += FIELDS) {
                long key = old[i + KEY];
                if (key != 0 && !forgotten(old[i + META], now, history)) {
                    int j = -1 - find(key, hash(key));
                    System.arraycopy(old, i, slots, j, FIELDS);
                    movedTo[j / FIELDS] = oldMoved[i / FIELDS];
                }
            }
            used = keep;
            calm = keep + (capacity >>> 3);
        }

        Entry entry(int i, long now, long history) {
            long[] r = slots;
            long meta = r[i + META];
            Kind kind = KINDS[kind(meta)];
            PyMemAllocatorDomain domain = DOMAINS[(int) (meta >>> DOMAIN_SHIFT) & 0b11];
            PyMemAllocatorDomain through = kind == Kind.LIVE ? domain : DOMAINS[(int) (meta >>> THROUGH_SHIFT) & 0b11];
            return new Entry(r[i + KEY], kind, r[i + SIZE], r[i + SERIAL], domain, through,
                    kind == Kind.MOVED ? movedTo[i / FIELDS] : 0, !forgotten(meta, now, history));
        }
    }
}
