package io.pymem4j.pymalloc;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.api.PyObjectArenaAllocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * The arenas of one pymalloc: the {@code arenas} vector of {@code struct arena_object}
 * (native), {@code unused_arena_objects}, {@code usable_arenas} and {@code nfp2lasta}, and
 * the arena counters of CPython's {@code struct _obmalloc_mgmt}; pools leave and come back
 * here, and arenas are mapped and unmapped here.
 *
 * <pre>
 *   struct arena_object (48 bytes)
 *   0 address  8 pool_address  16 nfreepools  20 ntotalpools  24 freepools  32 nextarena  40 prevarena
 *
 *   usable_arenas, sorted by ascending nfreepools; allocation takes the head:
 *     head --> [nf=1] <-> [nf=1] <-> [nf=3] <-> [nf=7] --> 0
 *                            ^ nfp2lasta[1]        ^ nfp2lasta[7]
 *                                       ^ nfp2lasta[3]
 *   nfp2lasta[k]: the rightmost arena with k free pools, or 0 if none.
 * </pre>
 *
 * <h2>Emptied arenas kept for reuse (threaded mode)</h2>
 * obmalloc unmaps an arena the moment its last pool comes back (but the last usable one,
 * bpo-37257). A workload whose live set swings by a few arenas then maps and unmaps them
 * over and over, and every page of a newly mapped arena faults on its first touch: on
 * CPython's own traces that is most of the difference from an allocator that keeps freed
 * memory. With a retain limit above 0 (threaded mode's default, {@value #DEFAULT_RETAINED}),
 * an emptied arena is instead kept mapped, off every list, up to that many, and
 * {@code new_arena} takes the most recently kept one before it maps a new one. So the mapped
 * bytes (in use plus kept) never exceed the peak of arenas in use: a new arena is mapped only
 * when none is kept. A kept arena goes back to the arena allocator once it has been kept
 * {@value #RETAIN_MILLIS} ms, checked at every arena event (mimalloc's purge delay), at
 * {@link #releaseRetained()} ({@code Pymalloc.collect()}) and when pymalloc closes. GIL mode
 * keeps a limit of 0: obmalloc's immediate release.
 *
 * <p>Not thread-safe: every method runs with the caller holding pymalloc's arena lock (in GIL
 * mode, the interpreter lock). The arena map's writes happen here, under that lock too.
 */
final class Arenas {

    // Arena events are logged under the allocator's category.
    private static final Logger log = LoggerFactory.getLogger(Pymalloc.class);

    static final int ADDRESS = 0;
    static final int POOL_ADDRESS = 8;
    static final int NFREEPOOLS = 16;
    static final int NTOTALPOOLS = 20;
    static final int FREEPOOLS = 24;
    static final int NEXTARENA = 32;
    static final int PREVARENA = 40;
    static final int SIZEOF_ARENA_OBJECT = 48;

    /** Emptied arenas threaded mode keeps mapped for reuse, unless told otherwise. */
    static final int DEFAULT_RETAINED = 64;
    /** How long an emptied arena is kept before it goes back to the arena allocator. */
    static final long RETAIN_MILLIS = 1000;
    private static final long RETAIN_NANOS = RETAIN_MILLIS * 1_000_000;

    private final Geometry geometry;
    private final PyMemAllocatorEx raw;
    private final PyObjectArenaAllocator arenaAllocator;
    private final ArenaMap arenaMap;
    private final int poolSize;
    private final long poolMask;
    private final int maxPoolsInArena;
    private final long arenaSize;

    /** The {@code arenas} vector (native, SIZEOF_ARENA_OBJECT per slot), grown by raw realloc. */
    private long arenas;
    private int maxarenas;
    private long unusedArenaObjects;
    private long usableArenas;
    /** {@code nfp2lasta[k]}: the rightmost arena in usable_arenas with k free pools, or 0. */
    private final long[] nfp2lasta;
    private long narenasCurrentlyAllocated;
    private long ntimesArenaAllocated;
    private long narenasHighwater;
    /** Emptied arenas kept mapped: addresses and the nanoTime they were kept at, oldest first. */
    private final long[] retained;
    private final long[] retainedAt;
    private int nretained;

    /** Arenas that keep up to {@code retainLimit} emptied arenas mapped for reuse (0: obmalloc's immediate release). */
    Arenas(Geometry geometry, PyMemAllocatorEx raw, PyObjectArenaAllocator arenaAllocator, ArenaMap arenaMap,
           int retainLimit) {
        this.geometry = geometry;
        this.raw = raw;
        this.arenaAllocator = arenaAllocator;
        this.arenaMap = arenaMap;
        this.poolSize = geometry.poolSize;
        this.poolMask = ~geometry.poolSizeMask;
        this.maxPoolsInArena = geometry.maxPoolsInArena;
        this.arenaSize = geometry.arenaSize;
        this.nfp2lasta = new long[maxPoolsInArena + 1];
        this.retained = new long[retainLimit];
        this.retainedAt = new long[retainLimit];
    }

    /**
     * The arena half of {@code allocate_from_new_pool}: a pool from the head of usable_arenas
     * (a new arena's when the list is empty), or 0 when no arena can be had. The pool's
     * {@code arenaindex} is set; the rest of its header is as its last use left it, or
     * {@code szidx} is {@link Geometry#DUMMY_SIZE_IDX} for a newly carved one.
     */
    long takePool() {
        long ua = usableArenas;
        if (ua == 0) {
            ua = newArena();
            if (ua == 0) {
                return 0;
            }
            usableArenas = ua;
            NativeMemory.putLong(ua + NEXTARENA, 0);
            NativeMemory.putLong(ua + PREVARENA, 0);
            nfp2lasta[nfreepools(ua)] = ua;
        }
        // The head's free-pool count drops by one: move the fingers first.
        int nfp = nfreepools(ua);
        if (nfp2lasta[nfp] == ua) {
            nfp2lasta[nfp] = 0;
        }
        if (nfp > 1) {
            nfp2lasta[nfp - 1] = ua;
        }
        long pool = NativeMemory.getLong(ua + FREEPOOLS);
        if (pool != 0) {
            // A cached empty pool.
            NativeMemory.putLong(ua + FREEPOOLS, NativeMemory.getLong(pool + PoolHeader.NEXTPOOL));
        } else {
            // Carve a new pool at the arena's high-water mark.
            pool = NativeMemory.getLong(ua + POOL_ADDRESS);
            NativeMemory.putInt(pool + PoolHeader.ARENAINDEX, (int) ((ua - arenas) / SIZEOF_ARENA_OBJECT));
            NativeMemory.putInt(pool + PoolHeader.SZIDX, Geometry.DUMMY_SIZE_IDX);
            NativeMemory.putLong(ua + POOL_ADDRESS, pool + poolSize);
        }
        NativeMemory.putInt(ua + NFREEPOOLS, nfp - 1);
        if (nfp - 1 == 0) {
            // A full arena sits on no list.
            long next = NativeMemory.getLong(ua + NEXTARENA);
            usableArenas = next;
            if (next != 0) {
                NativeMemory.putLong(next + PREVARENA, 0);
            }
        }
        return pool;
    }

    /** {@code new_arena}: an arena object with a fresh arena, or 0 (nothing changed) when none can be had. */
    private long newArena() {
        if (unusedArenaObjects == 0) {
            if (!growArenas()) {
                return 0;
            }
        }
        long ao = unusedArenaObjects;
        long address;
        if (nretained > 0) {
            // The most recently emptied arena: its pages are the likeliest still in the caches.
            address = retained[--nretained];
        } else {
            address = arenaAllocator.alloc(arenaSize);
        }
        if (nretained > 0) {
            releaseExpired(System.nanoTime());
        }
        if (address != 0 && !arenaMap.markUsed(address, true)) {
            arenaAllocator.free(address, arenaSize);
            address = 0;
        }
        if (address == 0) {
            log.debug("no arena of {} bytes could be had", arenaSize);
            return 0;
        }
        unusedArenaObjects = NativeMemory.getLong(ao + NEXTARENA);
        NativeMemory.putLong(ao + ADDRESS, address);
        narenasCurrentlyAllocated++;
        ntimesArenaAllocated++;
        if (narenasCurrentlyAllocated > narenasHighwater) {
            narenasHighwater = narenasCurrentlyAllocated;
        }
        NativeMemory.putLong(ao + FREEPOOLS, 0);
        int nfreepools = maxPoolsInArena;
        long poolAddress = address;
        long excess = address & ~poolMask;
        if (excess != 0) {
            // Not pool-aligned: the first partial pool is lost to alignment.
            nfreepools--;
            poolAddress += poolSize - excess;
        }
        NativeMemory.putLong(ao + POOL_ADDRESS, poolAddress);
        NativeMemory.putInt(ao + NFREEPOOLS, nfreepools);
        NativeMemory.putInt(ao + NTOTALPOOLS, nfreepools);
        log.debug("arena acquired at 0x{} ({} pools), {} arenas allocated", Long.toHexString(address), nfreepools,
                narenasCurrentlyAllocated);
        return ao;
    }

    /**
     * Doubles the {@code arenas} vector and threads the new slots onto unused_arena_objects.
     * Called only when no slot is unused, which (as in CPython) happens only when every
     * arena is full, so no list points into the old vector and realloc may move it.
     */
    private boolean growArenas() {
        int numarenas = maxarenas == 0 ? Geometry.INITIAL_ARENA_OBJECTS : maxarenas << 1;
        if (numarenas <= maxarenas) {
            return false; // overflow
        }
        long grown = raw.realloc(arenas, (long) numarenas * SIZEOF_ARENA_OBJECT);
        if (grown == 0) {
            return false;
        }
        arenas = grown;
        for (int i = maxarenas; i < numarenas; i++) {
            long ao = arenas + (long) i * SIZEOF_ARENA_OBJECT;
            NativeMemory.putLong(ao + ADDRESS, 0);
            NativeMemory.putLong(ao + NEXTARENA, i < numarenas - 1 ? ao + SIZEOF_ARENA_OBJECT : 0);
        }
        unusedArenaObjects = arenas + (long) maxarenas * SIZEOF_ARENA_OBJECT;
        maxarenas = numarenas;
        return true;
    }

    /**
     * {@code insert_to_freepool}, for a pool already out of its ring: it goes to its arena's
     * freepools; the arena is re-sorted in usable_arenas, or released.
     */
    void returnPool(long pool) {
        long ao = arenas + (long) NativeMemory.getInt(pool + PoolHeader.ARENAINDEX) * SIZEOF_ARENA_OBJECT;
        NativeMemory.putLong(pool + PoolHeader.NEXTPOOL, NativeMemory.getLong(ao + FREEPOOLS));
        NativeMemory.putLong(ao + FREEPOOLS, pool);

        int nf = nfreepools(ao);
        long lastnf = nfp2lasta[nf];
        if (lastnf == ao) {
            // ao was the rightmost with nf free pools: the finger goes to its left neighbour if that has nf too.
            long p = prevarena(ao);
            nfp2lasta[nf] = p != 0 && nfreepools(p) == nf ? p : 0;
        }
        NativeMemory.putInt(ao + NFREEPOOLS, ++nf);

        if (nf == NativeMemory.getInt(ao + NTOTALPOOLS) && nextarena(ao) != 0) {
            releaseArena(ao);
            return;
        }
        if (nf == 1) {
            // The arena was full and on no list: it goes to the head.
            long head = usableArenas;
            NativeMemory.putLong(ao + NEXTARENA, head);
            NativeMemory.putLong(ao + PREVARENA, 0);
            if (head != 0) {
                NativeMemory.putLong(head + PREVARENA, ao);
            }
            usableArenas = ao;
            if (nfp2lasta[1] == 0) {
                nfp2lasta[1] = ao;
            }
            return;
        }
        if (nfp2lasta[nf] == 0) {
            nfp2lasta[nf] = ao;
        }
        if (ao == lastnf) {
            return; // still in order
        }
        // Slide ao right, to just after lastnf, the rightmost arena with its old count.
        long before = prevarena(ao);
        long after = nextarena(ao);
        if (before != 0) {
            NativeMemory.putLong(before + NEXTARENA, after);
        } else {
            usableArenas = after;
        }
        NativeMemory.putLong(after + PREVARENA, before);
        long lastnfNext = nextarena(lastnf);
        NativeMemory.putLong(ao + PREVARENA, lastnf);
        NativeMemory.putLong(ao + NEXTARENA, lastnfNext);
        if (lastnfNext != 0) {
            NativeMemory.putLong(lastnfNext + PREVARENA, ao);
        }
        NativeMemory.putLong(lastnf + NEXTARENA, ao);
    }

    /**
     * An arena whose pools are all free and that is not last in usable_arenas goes back to
     * the arena allocator. The last one is kept, so a loop that allocates and frees one
     * block does not map and unmap an arena each time (bpo-37257).
     */
    private void releaseArena(long ao) {
        long before = prevarena(ao);
        long after = nextarena(ao);
        if (before == 0) {
            usableArenas = after;
        } else {
            NativeMemory.putLong(before + NEXTARENA, after);
        }
        if (after != 0) {
            NativeMemory.putLong(after + PREVARENA, before);
        }
        NativeMemory.putLong(ao + NEXTARENA, unusedArenaObjects);
        unusedArenaObjects = ao;
        long address = NativeMemory.getLong(ao + ADDRESS);
        arenaMap.markUsed(address, false);
        NativeMemory.putLong(ao + ADDRESS, 0);
        narenasCurrentlyAllocated--;
        long now = retained.length == 0 ? 0 : System.nanoTime();
        releaseExpired(now);
        if (nretained < retained.length) {
            retained[nretained] = address;
            retainedAt[nretained] = now;
            nretained++;
            log.debug("arena emptied at 0x{}, kept mapped ({} kept), {} arenas allocated", Long.toHexString(address),
                    nretained, narenasCurrentlyAllocated);
            return;
        }
        arenaAllocator.free(address, arenaSize);
        log.debug("arena released at 0x{}, {} arenas allocated", Long.toHexString(address), narenasCurrentlyAllocated);
    }

    /** The kept arenas kept longer than {@value #RETAIN_MILLIS} ms go back to the arena allocator. */
    private void releaseExpired(long now) {
        int expired = 0;
        while (expired < nretained && now - retainedAt[expired] >= RETAIN_NANOS) {
            arenaAllocator.free(retained[expired], arenaSize);
            expired++;
        }
        if (expired > 0) {
            System.arraycopy(retained, expired, retained, 0, nretained - expired);
            System.arraycopy(retainedAt, expired, retainedAt, 0, nretained - expired);
            nretained -= expired;
            log.debug("{} kept arenas released after {} ms, {} kept", expired, RETAIN_MILLIS, nretained);
        }
    }

    /** Every kept arena goes back to the arena allocator now ({@code Pymalloc.collect()}). */
    void releaseRetained() {
        for (int i = 0; i < nretained; i++) {
            arenaAllocator.free(retained[i], arenaSize);
        }
        nretained = 0;
    }

    /** Emptied arenas kept mapped for reuse now. */
    int retainedArenas() {
        return nretained;
    }

    private static int nfreepools(long ao) {
        return NativeMemory.getInt(ao + NFREEPOOLS);
    }

    private static long nextarena(long ao) {
        return NativeMemory.getLong(ao + NEXTARENA);
    }

    private static long prevarena(long ao) {
        return NativeMemory.getLong(ao + PREVARENA);
    }

    /** The free-pool count of each arena in usable_arenas, head first (the order allocation takes them). */
    List<Integer> usableFreePools() {
        List<Integer> out = new ArrayList<>();
        for (long ao = usableArenas; ao != 0; ao = nextarena(ao)) {
            out.add(nfreepools(ao));
        }
        return out;
    }

    /**
     * {@code _PyObject_DebugMallocStats}' walk over every arena's carved pools, with what the
     * heaps add: {@code pending[i]} blocks of class i that other threads freed and their
     * owners have not collected (free, though their pools count them in use), and
     * {@code warmPools} empty pools held in heaps' rings (unused pools).
     */
    PymallocStats stats(long[] pending, long warmPools, long rawAllocatedBlocks) {
        int nb = geometry.nbSmallSizeClasses;
        long[] numpools = new long[nb];
        long[] numblocks = new long[nb];
        long[] numfreeblocks = new long[nb];
        long numfreepools = 0;
        long arenaAlignment = 0;
        long narenas = 0;
        for (int i = 0; i < maxarenas; i++) {
            long ao = arenas + (long) i * SIZEOF_ARENA_OBJECT;
            long base = NativeMemory.getLong(ao + ADDRESS);
            if (base == 0) {
                continue;
            }
            narenas++;
            numfreepools += nfreepools(ao);
            if ((base & ~poolMask) != 0) {
                arenaAlignment += poolSize;
                base = (base & poolMask) + poolSize;
            }
            long carvedEnd = NativeMemory.getLong(ao + POOL_ADDRESS);
            for (long pool = base; pool < carvedEnd; pool += poolSize) {
                int count = NativeMemory.getInt(pool + PoolHeader.REF_COUNT);
                if (count == 0) {
                    continue; // an empty pool on freepools
                }
                int sz = NativeMemory.getInt(pool + PoolHeader.SZIDX);
                numpools[sz]++;
                numblocks[sz] += count;
                numfreeblocks[sz] += geometry.numBlocks(sz) - count;
            }
        }
        numfreepools += warmPools;
        for (int i = 0; i < nb; i++) {
            numblocks[i] -= pending[i];
            numfreeblocks[i] += pending[i];
        }
        List<PymallocStats.SizeClass> classes = new ArrayList<>(nb);
        for (int i = 0; i < nb; i++) {
            classes.add(new PymallocStats.SizeClass(i, geometry.index2size(i), numpools[i], numblocks[i], numfreeblocks[i]));
        }
        return new PymallocStats(geometry, classes, ntimesArenaAllocated, narenasHighwater, narenas, numfreepools,
                arenaAlignment, arenaMap.midCount(), arenaMap.botCount(), arenaMap.rootBytes(), arenaMap.midBytes(),
                arenaMap.botBytes(), rawAllocatedBlocks, narenasHighwater * arenaSize);
    }

    /** Gives every arena and the {@code arenas} vector back, whatever pools are in use; nothing may be called after it. */
    void freeAll() {
        releaseRetained();
        for (int i = 0; i < maxarenas; i++) {
            long ao = arenas + (long) i * SIZEOF_ARENA_OBJECT;
            long address = NativeMemory.getLong(ao + ADDRESS);
            if (address != 0) {
                arenaAllocator.free(address, arenaSize);
                NativeMemory.putLong(ao + ADDRESS, 0);
            }
        }
        narenasCurrentlyAllocated = 0;
        usableArenas = 0;
        unusedArenaObjects = 0;
        raw.free(arenas);
        arenas = 0;
        maxarenas = 0;
    }
}
