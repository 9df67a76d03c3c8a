package io.pymem4j.pymalloc;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.api.PyObjectArenaAllocator;
import io.pymem4j.runtime.PyMemRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
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
    /** The owning heap's id, in the upper half of the 8-byte {@code ref} union that count leaves unused. */
    static final int POOL_OWNER = 4;
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
    private static final VarHandle HEAPLESS_PUSHED = MethodHandles.arrayElementVarHandle(long[].class);

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
     * The arena lock: guards the arenas and their lists, the arena map's writes, the heaps
     * table and every heap without an owner. Null in GIL mode, where MEM and OBJ callers
     * hold the runtime's interpreter lock and pymalloc takes no lock of its own.
     */
    private final ReentrantLock lock;
    /** GIL mode's one heap, used by whoever holds the interpreter lock; null in threaded mode. */
    private final Heap gilHeap;
    /** Threaded mode: each thread's heap, taken on its first small request. */
    private final ThreadLocal<Heap> threadHeap;
    /** Threaded mode: heaps by {@code threadId & (HEAP_CACHE_SLOTS - 1)}, a shortcut past the ThreadLocal. */
    private final Heap[] heapCache = new Heap[HEAP_CACHE_SLOTS];
    private static final int HEAP_CACHE_SLOTS = 256;

    // Geometry constants copied into fields the hot paths read.
    private final int alignmentShift;
    private final int poolSize;
    private final long poolMask;
    private final int poolOverhead;
    private final int maxPoolsInArena;
    private final long arenaSize;

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
    /** Heaps by id (slot 0 unused); replaced, never changed, when it grows, so readers need no lock. */
    private volatile Heap[] heaps = new Heap[1];
    /** Heaps with no owner, ready to be taken by a thread's first request. */
    private final ArrayDeque<Heap> unownedHeaps = new ArrayDeque<>();

    /** Per size class, remote frees pushed by threads that could get no heap to count them in; updated atomically. */
    private final long[] heaplessPushed;

    /** Blocks handed to the raw backend by malloc/calloc and not yet freed; updated atomically. */
    @SuppressWarnings("unused") // through RAW_ALLOCATED_BLOCKS
    private volatile long rawAllocatedBlocks;

    /**
     * A pymalloc with geometry {@code geometry}, sending 0-byte, large and foreign requests
     * to {@code raw} and getting arenas from {@code arenaAllocator}, callable from any thread.
     */
    public Pymalloc(Geometry geometry, PyMemAllocatorEx raw, PyObjectArenaAllocator arenaAllocator) {
        this(geometry, raw, arenaAllocator, true);
    }

    /**
     * As {@link #Pymalloc(Geometry, PyMemAllocatorEx, PyObjectArenaAllocator)}; with
     * {@code threaded} false the callers promise to serialize every call (GIL mode), and
     * pymalloc runs one heap with no lock, exactly as obmalloc does.
     */
    public Pymalloc(Geometry geometry, PyMemAllocatorEx raw, PyObjectArenaAllocator arenaAllocator, boolean threaded) {
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
        this.heaplessPushed = new long[geometry.nbSmallSizeClasses];
        this.arenaMap = new ArenaMap(geometry, raw);
        if (threaded) {
            this.lock = new ReentrantLock();
            this.gilHeap = null;
            this.threadHeap = new ThreadLocal<>();
        } else {
            this.lock = null;
            this.gilHeap = newHeap();
            this.threadHeap = null;
            if (gilHeap == null) {
                arenaMap.free();
                throw new OutOfMemoryError("pymalloc: cannot allocate usedpools");
            }
        }
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

    /** Whether this pymalloc runs one heap per thread (false: GIL mode, one heap and no lock). */
    public boolean threaded() {
        return gilHeap == null;
    }

    // ================================================================ entry points

    @Override
    public long malloc(long nbytes) {
        if (nbytes > 0 && nbytes <= Geometry.SMALL_REQUEST_THRESHOLD) {
            Heap h = heap();
            long bp = h == null ? 0 : pymallocAlloc(h, nbytes);
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
            Heap h = heap();
            long bp = h == null ? 0 : pymallocAlloc(h, nbytes);
            if (bp != 0) {
                NativeMemory.fill(bp, nbytes, (byte) 0);
                return bp;
            }
        }
        long p = raw.calloc(nelem, elsize);
        if (p != 0) {
            countRaw(1);
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
        if (!arenaMap.isUsed(p)) {
            raw.free(p);
            countRaw(-1);
        } else if (gilHeap != null) {
            pymallocFree(gilHeap, p);
        } else {
            // The pool's owner does not change while the pool holds a live block such as p.
            Heap owner = heaps[NativeMemory.getInt((p & poolMask) + POOL_OWNER)];
            if (owner.ownerTid == Thread.currentThread().threadId()) {
                pymallocFree(owner, p);
            } else {
                freeForOtherHeap(owner, p);
            }
        }
    }

    /** Frees a block of another thread's heap (a lock-free push), or of a heap with no live owner (under the lock). */
    private void freeForOtherHeap(Heap owner, long p) {
        if (owner.ownerTid != Heap.UNOWNED && owner.ownerAlive()) {
            pushRemote(owner, p);
            return;
        }
        lock.lock();
        try {
            if (owner.ownerTid != Heap.UNOWNED) {
                if (owner.ownerAlive()) {
                    pushRemote(owner, p); // a new thread took the heap meanwhile
                    return;
                }
                disownLocked(owner);
            }
            pymallocFree(owner, p);
        } finally {
            lock.unlock();
        }
    }

    /** Pushes {@code p} on {@code owner}'s remote frees, counted in the calling thread's own heap. */
    private void pushRemote(Heap owner, long p) {
        int szidx = NativeMemory.getInt((p & poolMask) + POOL_SZIDX);
        Heap me = heap();
        if (me != null) {
            me.countPushed(szidx);
        } else {
            HEAPLESS_PUSHED.getAndAdd(heaplessPushed, szidx, 1L);
        }
        owner.pushRemote(p);
    }

    /**
     * Threaded mode: the calling thread's heap collects the blocks other threads freed into
     * it and gives its warm empty pool back to its arena, and every heap whose thread has
     * ended is emptied the same way, so that wholly free arenas go back. GIL mode has
     * nothing to collect. Call it when a phase of work ends, before reading {@link #stats()}.
     */
    public void collect() {
        if (gilHeap != null) {
            return;
        }
        Heap h = threadHeap.get();
        if (h != null) {
            collectRemoteFrees(h);
            releaseWarmPool(h);
        }
        lock.lock();
        try {
            for (Heap other : heaps) {
                if (other != null && other != h && other.ownerTid != Heap.UNOWNED && !other.ownerAlive()) {
                    disownLocked(other);
                }
            }
        } finally {
            lock.unlock();
        }
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

    private long rawMalloc(long nbytes) {
        long p = raw.malloc(nbytes);
        if (p != 0) {
            countRaw(1);
        }
        return p;
    }

    /**
     * Counts a raw block got or given back, in the calling thread's heap (no atomic
     * instruction: the owner alone writes it), or in the shared count when the thread has no
     * heap; {@link #rawAllocatedBlocks()} sums them.
     */
    private void countRaw(long delta) {
        Heap h = heap();
        if (h != null) {
            h.countRaw(delta);
        } else {
            RAW_ALLOCATED_BLOCKS.getAndAdd(this, delta);
        }
    }

    // ================================================================ heaps

    /** The calling thread's heap (GIL mode: the one heap); null only if none could be made. */
    private Heap heap() {
        if (gilHeap != null) {
            return gilHeap;
        }
        // A direct-mapped cache by thread id before the ThreadLocal: one load and a compare.
        // A thread reads its own id in ownerTid only from a heap it owns (ids are never
        // reused, and a heap is not taken from a live owner), so a racy read is safe.
        long tid = Thread.currentThread().threadId();
        Heap h = heapCache[(int) tid & (HEAP_CACHE_SLOTS - 1)];
        if (h != null && h.ownerTid == tid) {
            return h;
        }
        return heapSlow(tid);
    }

    private Heap heapSlow(long tid) {
        Heap h = threadHeap.get();
        if (h == null) {
            h = takeHeap();
            if (h == null) {
                return null;
            }
            threadHeap.set(h);
        }
        heapCache[(int) tid & (HEAP_CACHE_SLOTS - 1)] = h;
        return h;
    }

    /**
     * A thread's first request: it takes a heap with no owner (or a dead thread's), else a
     * new one; null when raw memory for a new one cannot be had.
     */
    private Heap takeHeap() {
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("pymalloc is closed");
            }
            Heap h = unownedHeaps.pollLast();
            if (h == null) {
                for (Heap other : heaps) {
                    if (other != null && other.ownerTid != Heap.UNOWNED && !other.ownerAlive()) {
                        disownLocked(other);
                        h = unownedHeaps.pollLast();
                        break;
                    }
                }
            }
            if (h == null) {
                h = newHeap();
                if (h == null) {
                    return null;
                }
            }
            h.adopt(Thread.currentThread());
            log.debug("{} taken, {} heaps in all", h, heaps.length - 1);
            return h;
        } finally {
            lock.unlock();
        }
    }

    private Heap newHeap() {
        long block = raw.malloc(Heap.nativeBytes(geometry.usedPoolsSize));
        if (block == 0) {
            log.debug("no raw memory for a new heap's usedpools");
            return null;
        }
        Heap[] old = heaps;
        Heap h = new Heap(old.length, block, geometry.usedPoolsSize, geometry.nbSmallSizeClasses);
        Heap[] grown = Arrays.copyOf(old, old.length + 1);
        grown[h.id] = h;
        heaps = grown;
        return h;
    }

    /**
     * A heap whose thread has ended (lock held): it collects its remote frees, gives back its
     * warm pool and waits, unowned, for the next thread; its pools with live blocks stay in it.
     */
    private void disownLocked(Heap h) {
        h.disown();
        collectRemoteFrees(h);
        releaseWarmPool(h);
        unownedHeaps.addLast(h);
        log.debug("{} disowned: its thread ended", h);
    }

    /** The owner frees what other threads pushed; true if there was anything. */
    private boolean collectRemoteFrees(Heap h) {
        boolean any = false;
        if (h.hasQueued()) {
            any = true;
            int n;
            do {
                n = h.takeQueued();
                for (int i = 0; i < n; i++) {
                    collectRemoteFree(h, h.taken(i));
                }
            } while (n == Heap.TAKE_BATCH);
        }
        long p = h.takeRemoteFrees();
        if (p == 0) {
            return any;
        }
        do {
            long next = NativeMemory.getLong(p);
            collectRemoteFree(h, p);
            p = next;
        } while (p != 0);
        return true;
    }

    private void collectRemoteFree(Heap h, long p) {
        h.countCollected(NativeMemory.getInt((p & poolMask) + POOL_SZIDX));
        pymallocFree(h, p);
    }

    private void releaseWarmPool(Heap h) {
        long pool = h.warmPool;
        if (pool != 0) {
            h.warmPool = 0;
            unlinkFromRing(pool);
            lock();
            try {
                returnPoolToArena(pool);
            } finally {
                unlock();
            }
        }
    }

    // ================================================================ allocation

    /** {@code pymalloc_alloc} for 1 <= nbytes <= 512 on heap {@code h}: a block, or 0 when no arena can be had. */
    private long pymallocAlloc(Heap h, long nbytes) {
        int size = (int) ((nbytes - 1) >>> alignmentShift);
        long pool = h.ring(size);
        if (pool != NativeMemory.getLong(pool + POOL_NEXTPOOL)) {
            return popBlock(h, pool, size);
        }
        return allocateFromNewPool(h, size);
    }

    /** There is a used pool for this class: pop its free list. */
    private long popBlock(Heap h, long pool, int size) {
        int count = NativeMemory.getInt(pool + POOL_REF_COUNT);
        if (count == 0) {
            h.warmPool = 0; // only the warm pool sits in a ring with no block in use
        }
        NativeMemory.putInt(pool + POOL_REF_COUNT, count + 1);
        long bp = NativeMemory.getLong(pool + POOL_FREEBLOCK);
        long next = NativeMemory.getLong(bp);
        NativeMemory.putLong(pool + POOL_FREEBLOCK, next);
        if (next == 0) {
            poolExtend(pool, size);
        }
        return bp;
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

    /**
     * {@code allocate_from_new_pool}: the class's ring is empty. In threaded mode, blocks
     * other threads freed into this heap come back first, then the warm pool; only then
     * does the heap take a pool from the head of usable_arenas, under the arena lock.
     */
    private long allocateFromNewPool(Heap h, int size) {
        if (gilHeap == null && collectRemoteFrees(h)) {
            long pool = h.ring(size);
            if (pool != NativeMemory.getLong(pool + POOL_NEXTPOOL)) {
                return popBlock(h, pool, size);
            }
        }
        long pool = h.warmPool;
        if (pool != 0) {
            // The warm pool waits in another class's ring; it moves to this one.
            h.warmPool = 0;
            unlinkFromRing(pool);
        } else {
            lock();
            try {
                pool = takePoolFromArena();
            } finally {
                unlock();
            }
            if (pool == 0) {
                return 0;
            }
            NativeMemory.putInt(pool + POOL_OWNER, h.id);
        }

        // The pool becomes the only member of its class's used ring.
        long header = h.ring(size);
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

    /** The arena half of {@code allocate_from_new_pool} (lock held): a pool from the head of usable_arenas, or 0. */
    private long takePoolFromArena() {
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

    // ================================================================ free

    /** {@code pymalloc_free} of a block of heap {@code h}'s pools, by its owner. */
    private void pymallocFree(Heap h, long p) {
        long pool = p & poolMask;
        long lastfree = NativeMemory.getLong(pool + POOL_FREEBLOCK);
        NativeMemory.putLong(p, lastfree);
        NativeMemory.putLong(pool + POOL_FREEBLOCK, p);
        int count = NativeMemory.getInt(pool + POOL_REF_COUNT) - 1;
        NativeMemory.putInt(pool + POOL_REF_COUNT, count);
        if (lastfree == 0) {
            // The pool was full: back at the front of its used ring, so its block is reused next.
            insertToUsedpool(h, pool);
            return;
        }
        if (count != 0) {
            return;
        }
        // Empty. In threaded mode it stays in its ring as its owner's warm pool, and the warm
        // pool it replaces goes back to its arena, so a thread that allocates and frees one
        // block in a loop never takes the arena lock. A heap with no owner keeps none.
        if (gilHeap == null && h.ownerTid != Heap.UNOWNED) {
            long warm = h.warmPool;
            h.warmPool = pool;
            if (warm == 0) {
                return;
            }
            pool = warm;
        }
        unlinkFromRing(pool);
        lock();
        try {
            returnPoolToArena(pool);
        } finally {
            unlock();
        }
    }

    private static void unlinkFromRing(long pool) {
        long next = NativeMemory.getLong(pool + POOL_NEXTPOOL);
        long prev = NativeMemory.getLong(pool + POOL_PREVPOOL);
        NativeMemory.putLong(next + POOL_PREVPOOL, prev);
        NativeMemory.putLong(prev + POOL_NEXTPOOL, next);
    }

    private static void insertToUsedpool(Heap h, long pool) {
        long next = h.ring(NativeMemory.getInt(pool + POOL_SZIDX));
        long prev = NativeMemory.getLong(next + POOL_PREVPOOL);
        NativeMemory.putLong(pool + POOL_NEXTPOOL, next);
        NativeMemory.putLong(pool + POOL_PREVPOOL, prev);
        NativeMemory.putLong(next + POOL_PREVPOOL, pool);
        NativeMemory.putLong(prev + POOL_NEXTPOOL, pool);
    }

    /**
     * {@code insert_to_freepool} (lock held), for a pool already out of its ring: it goes to
     * its arena's freepools; the arena is re-sorted or released.
     */
    private void returnPoolToArena(long pool) {
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
        long n = (long) RAW_ALLOCATED_BLOCKS.getVolatile(this);
        for (Heap h : heaps) {
            if (h != null) {
                n += h.rawBlocks();
            }
        }
        return n;
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

    /**
     * The statistics {@code _PyObject_DebugMallocStats} prints. Exact when no other thread is
     * allocating or freeing meanwhile. In threaded mode, blocks other threads freed and the
     * owner has not collected yet count as free, and warm pools count as unused pools.
     */
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
        // Remote frees pushed and not yet collected are free blocks, though their pools count them in use.
        long[] pending = new long[nb];
        for (int i = 0; i < nb; i++) {
            pending[i] = (long) HEAPLESS_PUSHED.getVolatile(heaplessPushed, i);
        }
        for (Heap h : heaps) {
            if (h == null) {
                continue;
            }
            if (h.warmPool != 0) {
                numfreepools++;
            }
            for (int i = 0; i < nb; i++) {
                pending[i] += h.pendingShare(i);
            }
        }
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
            for (Heap h : heaps) {
                if (h != null) {
                    raw.free(h.usedpools);
                }
            }
        } finally {
            unlock();
        }
    }

    @Override
    public String toString() {
        return "pymalloc[" + geometry.name + "]";
    }
}
