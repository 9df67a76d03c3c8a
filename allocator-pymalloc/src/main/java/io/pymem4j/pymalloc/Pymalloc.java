package io.pymem4j.pymalloc;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.api.PyMemRuntime;
import io.pymem4j.api.PyObjectArenaAllocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * CPython's obmalloc ({@code Objects/obmalloc.c}): the MEM and OBJ domains' allocator,
 * with its pools, arenas, {@code usedpools} and arena map on native memory.
 *
 * <p>Requests of 1..512 bytes come from size-class pools; 0-byte and larger requests, and
 * the small ones when no arena can be had, go to the raw backend and are counted in
 * {@code raw_allocated_blocks}. Pointers this allocator does not own (told in O(1) by the
 * {@link ArenaMap}) are passed to the raw backend by {@code free} and {@code realloc}.
 * See the package documentation for the structures and the locking.
 *
 * <h2>Reaching it from a runtime</h2>
 * {@link #of(PyMemRuntime)} (or {@link #find(PyMemRuntime)}) returns the instance serving a
 * runtime's MEM and OBJ domains, also under hook layers such as {@code debug}; the stats
 * are {@link #stats()} and the {@code sys._debugmallocstats()} text {@link #debugMallocStats()}.
 */
public final class Pymalloc implements PyMemAllocatorEx, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Pymalloc.class);

    // struct pool_header, 48 bytes on 64-bit. ref is a union {block *_padding; uint count}.
    static final int POOL_REF_COUNT = 0;
    static final int POOL_FREEBLOCK = 8;
    static final int POOL_NEXTPOOL = 16;
    static final int POOL_PREVPOOL = 24;
    static final int POOL_ARENAINDEX = 32;
    static final int POOL_SZIDX = 36;
    static final int POOL_NEXTOFFSET = 40;
    static final int POOL_MAXNEXTOFFSET = 44;

    // struct arena_object, 48 bytes on 64-bit.
    static final int ARENA_ADDRESS = 0;
    static final int ARENA_POOL_ADDRESS = 8;
    static final int ARENA_NFREEPOOLS = 16;
    static final int ARENA_NTOTALPOOLS = 20;
    static final int ARENA_FREEPOOLS = 24;
    static final int ARENA_NEXTARENA = 32;
    static final int ARENA_PREVARENA = 40;
    static final int SIZEOF_ARENA_OBJECT = 48;

    private static final VarHandle RAW_ALLOCATED_BLOCKS;

    static {
        try {
            RAW_ALLOCATED_BLOCKS = MethodHandles.lookup().findVarHandle(Pymalloc.class, "rawAllocatedBlocks", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Geometry geometry;
    private final PyMemAllocatorEx raw;
    private final PyObjectArenaAllocator arenaAllocator;
    private final ArenaMap arenaMap;
    /**
     * Guards the allocator state; null in GIL mode, where MEM and OBJ callers hold the
     * runtime's interpreter lock and pymalloc takes no lock of its own, as in CPython.
     */
    private final ReentrantLock lock;

    // Geometry constants copied into fields the hot paths read.
    private final int alignmentShift;
    private final int poolSize;
    private final long poolMask;
    private final int poolOverhead;
    private final int maxPoolsInArena;
    private final long arenaSize;

    /** {@code usedpools}: native, 2 pointers per class, each ring's fake header overlapping it. */
    private final long usedpools;

    // ---- state guarded by lock (CPython's struct _obmalloc_mgmt) ----
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
    private boolean closed;

    /** Blocks handed to the raw backend by malloc/calloc and not yet freed; updated atomically. */
    @SuppressWarnings("unused") // through RAW_ALLOCATED_BLOCKS
    private volatile long rawAllocatedBlocks;

    /**
     * A pymalloc with geometry {@code geometry}, sending 0-byte, large and foreign requests
     * to {@code raw} and getting arenas from {@code arenaAllocator}.
     */
    public Pymalloc(Geometry geometry, PyMemAllocatorEx raw, PyObjectArenaAllocator arenaAllocator) {
        this(geometry, raw, arenaAllocator, true);
    }

    /**
     * As {@link #Pymalloc(Geometry, PyMemAllocatorEx, PyObjectArenaAllocator)}; with
     * {@code locking} false the callers promise to serialize every call (GIL mode).
     */
    public Pymalloc(Geometry geometry, PyMemAllocatorEx raw, PyObjectArenaAllocator arenaAllocator, boolean locking) {
        this.lock = locking ? new ReentrantLock() : null;
        this.geometry = Objects.requireNonNull(geometry, "geometry");
        this.raw = Objects.requireNonNull(raw, "raw");
        this.arenaAllocator = Objects.requireNonNull(arenaAllocator, "arenaAllocator");
        this.alignmentShift = geometry.alignmentShift;
        this.poolSize = geometry.poolSize;
        this.poolMask = ~geometry.poolSizeMask;
        this.poolOverhead = geometry.poolOverhead;
        this.maxPoolsInArena = geometry.maxPoolsInArena;
        this.arenaSize = geometry.arenaSize;
        this.nfp2lasta = new long[maxPoolsInArena + 1];
        this.usedpools = raw.malloc(8L * geometry.usedPoolsSize);
        if (usedpools == 0) {
            throw new OutOfMemoryError("pymalloc: cannot allocate usedpools");
        }
        // Each class's ring starts empty: its fake header sits two pointers before
        // usedpools[2i], so that header's nextpool and prevpool are usedpools[2i] and [2i+1].
        for (int i = 0; i < geometry.usedPoolsSize; i += 2) {
            long fake = usedpools + 8L * i - POOL_NEXTPOOL;
            NativeMemory.putLong(usedpools + 8L * i, fake);
            NativeMemory.putLong(usedpools + 8L * (i + 1), fake);
        }
        this.arenaMap = new ArenaMap(geometry, raw);
    }

    /** The pymalloc serving {@code runtime}'s MEM and OBJ domains (under any hooks), if its backend is pymalloc. */
    public static Optional<Pymalloc> find(PyMemRuntime runtime) {
        return runtime.findBackend(Pymalloc.class);
    }

    /**
     * The pymalloc serving {@code runtime}'s MEM and OBJ domains.
     *
     * @throws IllegalArgumentException if the runtime's backend is not pymalloc
     */
    public static Pymalloc of(PyMemRuntime runtime) {
        return find(runtime).orElseThrow(() -> new IllegalArgumentException(
                "the runtime's backend is '" + runtime.stackSpec().backend() + "', not pymalloc"));
    }

    public Geometry geometry() {
        return geometry;
    }

    // ================================================================ entry points

    @Override
    public long malloc(long nbytes) {
        if (nbytes > 0 && nbytes <= Geometry.SMALL_REQUEST_THRESHOLD) {
            long bp = lockedAlloc(nbytes);
            if (bp != 0) {
                return bp;
            }
        } else if (nbytes < 0) {
            return 0;
        }
        return rawMalloc(nbytes);
    }

    @Override
    public long calloc(long nelem, long elsize) {
        if (PyMemAllocatorEx.callocOverflows(nelem, elsize)) {
            return 0;
        }
        long nbytes = nelem * elsize;
        if (nbytes > 0 && nbytes <= Geometry.SMALL_REQUEST_THRESHOLD) {
            long bp = lockedAlloc(nbytes);
            if (bp != 0) {
                NativeMemory.fill(bp, nbytes, (byte) 0);
                return bp;
            }
        }
        long p = raw.calloc(nelem, elsize);
        if (p != 0) {
            RAW_ALLOCATED_BLOCKS.getAndAdd(this, 1L);
        }
        return p;
    }

    @Override
    public long realloc(long p, long nbytes) {
        if (nbytes < 0) {
            return 0;
        }
        if (p == 0) {
            return malloc(nbytes);
        }
        if (!arenaMap.isUsed(p)) {
            // Never adopt a foreign block, even a small one: how many of its bytes are
            // valid to copy is unknown (CPython bug 1185883).
            return raw.realloc(p, nbytes);
        }
        long size = geometry.index2size(NativeMemory.getInt((p & poolMask) + POOL_SZIDX));
        if (nbytes <= size) {
            // Shrinking (or the same): stay unless at least a quarter of the block is shaved.
            if (4 * nbytes > 3 * size) {
                return p;
            }
            size = nbytes;
        }
        long bp = malloc(nbytes);
        if (bp != 0) {
            NativeMemory.copy(p, bp, size);
            free(p);
        }
        return bp;
    }

    @Override
    public void free(long p) {
        if (p == 0) {
            return;
        }
        if (arenaMap.isUsed(p)) {
            lock();
            try {
                pymallocFree(p);
            } finally {
                unlock();
            }
            return;
        }
        raw.free(p);
        RAW_ALLOCATED_BLOCKS.getAndAdd(this, -1L);
    }

    private void lock() {
        if (lock != null) {
            lock.lock();
        }
    }

    private void unlock() {
        if (lock != null) {
            lock.unlock();
        }
    }

    private long lockedAlloc(long nbytes) {
        lock();
        try {
            return pymallocAlloc(nbytes);
        } finally {
            unlock();
        }
    }

    private long rawMalloc(long nbytes) {
        long p = raw.malloc(nbytes);
        if (p != 0) {
            RAW_ALLOCATED_BLOCKS.getAndAdd(this, 1L);
        }
        return p;
    }

    // ================================================================ allocation (lock held)

    /** {@code pymalloc_alloc} for 1 <= nbytes <= 512: a block, or 0 when no arena can be had. */
    private long pymallocAlloc(long nbytes) {
        int size = (int) ((nbytes - 1) >>> alignmentShift);
        long pool = NativeMemory.getLong(usedpools + ((long) size << 4));
        if (pool != NativeMemory.getLong(pool + POOL_NEXTPOOL)) {
            // There is a used pool for this class: pop its free list.
            NativeMemory.putInt(pool + POOL_REF_COUNT, NativeMemory.getInt(pool + POOL_REF_COUNT) + 1);
            long bp = NativeMemory.getLong(pool + POOL_FREEBLOCK);
            long next = NativeMemory.getLong(bp);
            NativeMemory.putLong(pool + POOL_FREEBLOCK, next);
            if (next == 0) {
                poolExtend(pool, size);
            }
            return bp;
        }
        return allocateFromNewPool(size);
    }

    /** {@code pymalloc_pool_extend}: carve the next virgin block, or unlink the pool if it is full. */
    private void poolExtend(long pool, int size) {
        int nextoffset = NativeMemory.getInt(pool + POOL_NEXTOFFSET);
        if (nextoffset <= NativeMemory.getInt(pool + POOL_MAXNEXTOFFSET)) {
            long fresh = pool + nextoffset;
            NativeMemory.putLong(pool + POOL_FREEBLOCK, fresh);
            NativeMemory.putInt(pool + POOL_NEXTOFFSET, nextoffset + geometry.index2size(size));
            NativeMemory.putLong(fresh, 0);
            return;
        }
        // The pool is full: it leaves the used ring and sits on no list.
        long next = NativeMemory.getLong(pool + POOL_NEXTPOOL);
        long prev = NativeMemory.getLong(pool + POOL_PREVPOOL);
        NativeMemory.putLong(next + POOL_PREVPOOL, prev);
        NativeMemory.putLong(prev + POOL_NEXTPOOL, next);
    }

    /** {@code allocate_from_new_pool}: take a pool from the head of usable_arenas and give its first block. */
    private long allocateFromNewPool(int size) {
        long ua = usableArenas;
        if (ua == 0) {
            ua = newArena();
            if (ua == 0) {
                return 0;
            }
            usableArenas = ua;
            NativeMemory.putLong(ua + ARENA_NEXTARENA, 0);
            NativeMemory.putLong(ua + ARENA_PREVARENA, 0);
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
        long pool = NativeMemory.getLong(ua + ARENA_FREEPOOLS);
        if (pool != 0) {
            // A cached empty pool.
            NativeMemory.putLong(ua + ARENA_FREEPOOLS, NativeMemory.getLong(pool + POOL_NEXTPOOL));
        } else {
            // Carve a new pool at the arena's high-water mark.
            pool = NativeMemory.getLong(ua + ARENA_POOL_ADDRESS);
            NativeMemory.putInt(pool + POOL_ARENAINDEX, (int) ((ua - arenas) / SIZEOF_ARENA_OBJECT));
            NativeMemory.putInt(pool + POOL_SZIDX, Geometry.DUMMY_SIZE_IDX);
            NativeMemory.putLong(ua + ARENA_POOL_ADDRESS, pool + poolSize);
        }
        NativeMemory.putInt(ua + ARENA_NFREEPOOLS, nfp - 1);
        if (nfp - 1 == 0) {
            // A full arena sits on no list.
            long next = NativeMemory.getLong(ua + ARENA_NEXTARENA);
            usableArenas = next;
            if (next != 0) {
                NativeMemory.putLong(next + ARENA_PREVARENA, 0);
            }
        }

        // The pool becomes the only member of its class's used ring.
        long header = NativeMemory.getLong(usedpools + ((long) size << 4));
        NativeMemory.putLong(pool + POOL_NEXTPOOL, header);
        NativeMemory.putLong(pool + POOL_PREVPOOL, header);
        NativeMemory.putLong(header + POOL_NEXTPOOL, pool);
        NativeMemory.putLong(header + POOL_PREVPOOL, pool);
        NativeMemory.putInt(pool + POOL_REF_COUNT, 1);

        if (NativeMemory.getInt(pool + POOL_SZIDX) == size) {
            // A recycled pool of the same class still has its free list.
            long bp = NativeMemory.getLong(pool + POOL_FREEBLOCK);
            NativeMemory.putLong(pool + POOL_FREEBLOCK, NativeMemory.getLong(bp));
            return bp;
        }
        // Initialise the pool for this class: hand out the first block, thread only the second.
        int blockSize = geometry.index2size(size);
        NativeMemory.putInt(pool + POOL_SZIDX, size);
        long bp = pool + poolOverhead;
        NativeMemory.putInt(pool + POOL_NEXTOFFSET, poolOverhead + 2 * blockSize);
        NativeMemory.putInt(pool + POOL_MAXNEXTOFFSET, poolSize - blockSize);
        long second = bp + blockSize;
        NativeMemory.putLong(pool + POOL_FREEBLOCK, second);
        NativeMemory.putLong(second, 0);
        return bp;
    }

    /** {@code new_arena}: an arena object with a fresh arena, or 0 (nothing changed) when none can be had. */
    private long newArena() {
        if (unusedArenaObjects == 0) {
            if (!growArenas()) {
                return 0;
            }
        }
        long ao = unusedArenaObjects;
        long address = arenaAllocator.alloc(arenaSize);
        if (address != 0 && !arenaMap.markUsed(address, true)) {
            arenaAllocator.free(address, arenaSize);
            address = 0;
        }
        if (address == 0) {
            log.debug("no arena of {} bytes could be had", arenaSize);
            return 0;
        }
        unusedArenaObjects = NativeMemory.getLong(ao + ARENA_NEXTARENA);
        NativeMemory.putLong(ao + ARENA_ADDRESS, address);
        narenasCurrentlyAllocated++;
        ntimesArenaAllocated++;
        if (narenasCurrentlyAllocated > narenasHighwater) {
            narenasHighwater = narenasCurrentlyAllocated;
        }
        NativeMemory.putLong(ao + ARENA_FREEPOOLS, 0);
        int nfreepools = maxPoolsInArena;
        long poolAddress = address;
        long excess = address & ~poolMask;
        if (excess != 0) {
            // Not pool-aligned: the first partial pool is lost to alignment.
            nfreepools--;
            poolAddress += poolSize - excess;
        }
        NativeMemory.putLong(ao + ARENA_POOL_ADDRESS, poolAddress);
        NativeMemory.putInt(ao + ARENA_NFREEPOOLS, nfreepools);
        NativeMemory.putInt(ao + ARENA_NTOTALPOOLS, nfreepools);
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
            NativeMemory.putLong(ao + ARENA_ADDRESS, 0);
            NativeMemory.putLong(ao + ARENA_NEXTARENA, i < numarenas - 1 ? ao + SIZEOF_ARENA_OBJECT : 0);
        }
        unusedArenaObjects = arenas + (long) maxarenas * SIZEOF_ARENA_OBJECT;
        maxarenas = numarenas;
        return true;
    }

    // ================================================================ free (lock held)

    /** {@code pymalloc_free} of a block the arena map says is ours. */
    private void pymallocFree(long p) {
        long pool = p & poolMask;
        long lastfree = NativeMemory.getLong(pool + POOL_FREEBLOCK);
        NativeMemory.putLong(p, lastfree);
        NativeMemory.putLong(pool + POOL_FREEBLOCK, p);
        int count = NativeMemory.getInt(pool + POOL_REF_COUNT) - 1;
        NativeMemory.putInt(pool + POOL_REF_COUNT, count);
        if (lastfree == 0) {
            // The pool was full: back at the front of its used ring, so its block is reused next.
            insertToUsedpool(pool);
            return;
        }
        if (count != 0) {
            return;
        }
        insertToFreepool(pool);
    }

    private void insertToUsedpool(long pool) {
        int size = NativeMemory.getInt(pool + POOL_SZIDX);
        long next = NativeMemory.getLong(usedpools + ((long) size << 4));
        long prev = NativeMemory.getLong(next + POOL_PREVPOOL);
        NativeMemory.putLong(pool + POOL_NEXTPOOL, next);
        NativeMemory.putLong(pool + POOL_PREVPOOL, prev);
        NativeMemory.putLong(next + POOL_PREVPOOL, pool);
        NativeMemory.putLong(prev + POOL_NEXTPOOL, pool);
    }

    /** {@code insert_to_freepool}: an empty pool goes to its arena's freepools; the arena is re-sorted or released. */
    private void insertToFreepool(long pool) {
        long next = NativeMemory.getLong(pool + POOL_NEXTPOOL);
        long prev = NativeMemory.getLong(pool + POOL_PREVPOOL);
        NativeMemory.putLong(next + POOL_PREVPOOL, prev);
        NativeMemory.putLong(prev + POOL_NEXTPOOL, next);

        long ao = arenas + (long) NativeMemory.getInt(pool + POOL_ARENAINDEX) * SIZEOF_ARENA_OBJECT;
        NativeMemory.putLong(pool + POOL_NEXTPOOL, NativeMemory.getLong(ao + ARENA_FREEPOOLS));
        NativeMemory.putLong(ao + ARENA_FREEPOOLS, pool);

        int nf = nfreepools(ao);
        long lastnf = nfp2lasta[nf];
        if (lastnf == ao) {
            // ao was the rightmost with nf free pools: the finger goes to its left neighbour if that has nf too.
            long p = prevarena(ao);
            nfp2lasta[nf] = p != 0 && nfreepools(p) == nf ? p : 0;
        }
        NativeMemory.putInt(ao + ARENA_NFREEPOOLS, ++nf);

        if (nf == NativeMemory.getInt(ao + ARENA_NTOTALPOOLS) && nextarena(ao) != 0) {
            releaseArena(ao);
            return;
        }
        if (nf == 1) {
            // The arena was full and on no list: it goes to the head.
            long head = usableArenas;
            NativeMemory.putLong(ao + ARENA_NEXTARENA, head);
            NativeMemory.putLong(ao + ARENA_PREVARENA, 0);
            if (head != 0) {
                NativeMemory.putLong(head + ARENA_PREVARENA, ao);
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
            NativeMemory.putLong(before + ARENA_NEXTARENA, after);
        } else {
            usableArenas = after;
        }
        NativeMemory.putLong(after + ARENA_PREVARENA, before);
        long lastnfNext = nextarena(lastnf);
        NativeMemory.putLong(ao + ARENA_PREVARENA, lastnf);
        NativeMemory.putLong(ao + ARENA_NEXTARENA, lastnfNext);
        if (lastnfNext != 0) {
            NativeMemory.putLong(lastnfNext + ARENA_PREVARENA, ao);
        }
        NativeMemory.putLong(lastnf + ARENA_NEXTARENA, ao);
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
            NativeMemory.putLong(before + ARENA_NEXTARENA, after);
        }
        if (after != 0) {
            NativeMemory.putLong(after + ARENA_PREVARENA, before);
        }
        NativeMemory.putLong(ao + ARENA_NEXTARENA, unusedArenaObjects);
        unusedArenaObjects = ao;
        long address = NativeMemory.getLong(ao + ARENA_ADDRESS);
        arenaMap.markUsed(address, false);
        arenaAllocator.free(address, arenaSize);
        NativeMemory.putLong(ao + ARENA_ADDRESS, 0);
        narenasCurrentlyAllocated--;
        log.debug("arena released at 0x{}, {} arenas allocated", Long.toHexString(address), narenasCurrentlyAllocated);
    }

    private static int nfreepools(long ao) {
        return NativeMemory.getInt(ao + ARENA_NFREEPOOLS);
    }

    private static long nextarena(long ao) {
        return NativeMemory.getLong(ao + ARENA_NEXTARENA);
    }

    private static long prevarena(long ao) {
        return NativeMemory.getLong(ao + ARENA_PREVARENA);
    }

    // ================================================================ introspection

    /** Whether {@code p} lies in one of this allocator's arenas (the arena map's answer). */
    public boolean owns(long p) {
        return p != 0 && arenaMap.isUsed(p);
    }

    /** {@code raw_allocated_blocks}: blocks malloc/calloc handed to the raw backend and not yet freed. */
    public long rawAllocatedBlocks() {
        return (long) RAW_ALLOCATED_BLOCKS.getVolatile(this);
    }

    /** The free-pool count of each arena in usable_arenas, head first (the order allocation takes them). */
    public List<Integer> usableArenaFreePools() {
        lock();
        try {
            List<Integer> out = new ArrayList<>();
            for (long ao = usableArenas; ao != 0; ao = nextarena(ao)) {
                out.add(nfreepools(ao));
            }
            return out;
        } finally {
            unlock();
        }
    }

    /** A consistent snapshot of the statistics {@code _PyObject_DebugMallocStats} prints. */
    public PymallocStats stats() {
        lock();
        try {
            return collectStats();
        } finally {
            unlock();
        }
    }

    /** The pymalloc part of {@code sys._debugmallocstats()}, exactly as CPython lays it out. */
    public String debugMallocStats() {
        return stats().report();
    }

    private PymallocStats collectStats() {
        int nb = geometry.nbSmallSizeClasses;
        long[] numpools = new long[nb];
        long[] numblocks = new long[nb];
        long[] numfreeblocks = new long[nb];
        long numfreepools = 0;
        long arenaAlignment = 0;
        long narenas = 0;
        for (int i = 0; i < maxarenas; i++) {
            long ao = arenas + (long) i * SIZEOF_ARENA_OBJECT;
            long base = NativeMemory.getLong(ao + ARENA_ADDRESS);
            if (base == 0) {
                continue;
            }
            narenas++;
            numfreepools += nfreepools(ao);
            if ((base & ~poolMask) != 0) {
                arenaAlignment += poolSize;
                base = (base & poolMask) + poolSize;
            }
            long carvedEnd = NativeMemory.getLong(ao + ARENA_POOL_ADDRESS);
            for (long pool = base; pool < carvedEnd; pool += poolSize) {
                int count = NativeMemory.getInt(pool + POOL_REF_COUNT);
                if (count == 0) {
                    continue; // an empty pool on freepools
                }
                int sz = NativeMemory.getInt(pool + POOL_SZIDX);
                numpools[sz]++;
                numblocks[sz] += count;
                numfreeblocks[sz] += geometry.numBlocks(sz) - count;
            }
        }
        List<PymallocStats.SizeClass> classes = new ArrayList<>(nb);
        for (int i = 0; i < nb; i++) {
            classes.add(new PymallocStats.SizeClass(i, geometry.index2size(i), numpools[i], numblocks[i], numfreeblocks[i]));
        }
        return new PymallocStats(geometry, classes, ntimesArenaAllocated, narenasHighwater, narenas, numfreepools,
                arenaAlignment, arenaMap.midCount(), arenaMap.botCount(), arenaMap.rootBytes(), arenaMap.midBytes(),
                arenaMap.botBytes(), rawAllocatedBlocks(), narenasHighwater * arenaSize);
    }

    /**
     * Gives every arena, the arena map, the {@code arenas} vector and {@code usedpools}
     * back, whatever blocks are still live. Nothing may be called on this allocator after
     * it, and its blocks must no longer be used. Raw blocks it handed out stay valid and
     * belong to the raw backend. Closing twice does nothing.
     */
    @Override
    public void close() {
        lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            for (int i = 0; i < maxarenas; i++) {
                long ao = arenas + (long) i * SIZEOF_ARENA_OBJECT;
                long address = NativeMemory.getLong(ao + ARENA_ADDRESS);
                if (address != 0) {
                    arenaAllocator.free(address, arenaSize);
                    NativeMemory.putLong(ao + ARENA_ADDRESS, 0);
                }
            }
            narenasCurrentlyAllocated = 0;
            usableArenas = 0;
            unusedArenaObjects = 0;
            raw.free(arenas);
            arenas = 0;
            maxarenas = 0;
            arenaMap.free();
            raw.free(usedpools);
        } finally {
            unlock();
        }
    }

    @Override
    public String toString() {
        return "pymalloc[" + geometry.name + "]";
    }
}
