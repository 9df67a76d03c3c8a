package io.pymem4j.pymalloc;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.api.PyObjectArenaAllocator;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.spi.AlignedAllocation;
import io.pymem4j.spi.LayerLifecycle;
import io.pymem4j.spi.LiveBlocks;
import io.pymem4j.spi.UsableSize;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The entry points of CPython's obmalloc ({@code Objects/obmalloc.c}), the MEM and OBJ
 * domains' allocator: the checks a pointer passes before the pool algorithm of its superclass
 * {@link Pools} sees it (a small request pops a block off the free list of the first pool in
 * its class's {@code usedpools} ring, and a free pushes the block back on its pool's free
 * list), the frees of other threads' blocks, and the statistics and introspection.
 *
 * <p>Requests of 1..512 bytes come from size-class pools; 0-byte and larger requests, and
 * the small ones when no arena can be had, go to the raw backend and are counted in
 * {@code raw_allocated_blocks}. Pointers this allocator does not own (told in O(1) by the
 * {@link ArenaMap}) are passed to the raw backend by {@code free} and {@code realloc}.
 * {@code free} refuses, with an {@link IllegalArgumentException}, a pointer in its arenas
 * that is not the start of a block of its pool, or lies in a pool no heap owns; a double
 * free is not detected (the debug layer's job, as in CPython). Every call after
 * {@link #close()} throws {@link IllegalStateException}. The package documentation says how
 * these checks cost the fast paths nothing, or next to nothing.
 *
 * <p>The rest is in classes of its own: the pool algorithm and the heaps table (the
 * superclasses {@link Pools} and {@link Heaps}, so that the fast path reads their fields
 * through {@code this}), the pool header's layout and
 * ring operations ({@link PoolHeader}), and the arenas, which pools come from and go back to
 * under the arena lock ({@link Arenas}). The package documentation has the structures, a
 * diagram of them, and the locking.
 *
 * <h2>Reaching it from a runtime</h2>
 * {@link #of(PyMemRuntime)} (or {@link #find(PyMemRuntime)}) returns the instance serving a
 * runtime's MEM and OBJ domains, also under hook layers such as {@code debug}; the stats
 * are {@link #stats()} and the {@code sys._debugmallocstats()} text {@link #debugMallocStats()}.
 *
 * <h2>Closing, sizes, alignment</h2>
 * As a runtime's {@link LayerLifecycle} it counts its live blocks when the runtime closes
 * ({@code sys.getallocatedblocks()}, and the bytes of the pool blocks) and then
 * {@link #close()}s. {@link #usableSize(long)} answers from the pool header: the bytes from a
 * pointer in one of its pools to the end of its block. {@link #alignedMalloc} serves alignments
 * up to {@code ALIGNMENT} (16) from the pools, whose blocks all have it; a stricter one cannot
 * come from a pool (its blocks sit at fixed offsets of 16-byte multiples after a 48-byte
 * header), so it goes to the raw backend's aligned allocation and counts as a raw block, which
 * {@code free} hands back there as any block it does not own.
 *
 * @since 0.1
 */
public final class Pymalloc extends Pools implements PyMemAllocatorEx, AutoCloseable, LayerLifecycle, UsableSize,
        AlignedAllocation {

    private final PyMemAllocatorEx raw;
    private final ArenaMap arenaMap;

    // A geometry constant copied into a field the hot paths read.
    private final long poolSizeMask;
    /**
     * Per size class {@code i}, at {@code [2i]} and {@code [2i + 1]}: the multiplier and the
     * limit of free's block-boundary check (see {@link Geometry#blockChecks()}).
     */
    private final long[] blockCheck;
    /** Whether the heaps have front caches. */
    private final boolean frontCache;

    /** Emptied arenas threaded mode keeps mapped for reuse by default (a second at most). */
    public static final int DEFAULT_RETAINED_ARENAS = Arenas.DEFAULT_RETAINED;

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
        this(geometry, raw, arenaAllocator, threaded, false);
    }

    /**
     * As {@link #Pymalloc(Geometry, PyMemAllocatorEx, PyObjectArenaAllocator, boolean)}; with
     * {@code frontCache} (threaded mode only: GIL mode stays obmalloc exactly) each heap
     * keeps a front cache of free blocks per size class on the Java heap, which malloc and
     * free work on before the pools (the package documentation has the design).
     */
    public Pymalloc(Geometry geometry, PyMemAllocatorEx raw, PyObjectArenaAllocator arenaAllocator, boolean threaded,
                    boolean frontCache) {
        this(geometry, raw, arenaAllocator, threaded, frontCache, threaded ? DEFAULT_RETAINED_ARENAS : 0);
    }

    /**
     * As {@link #Pymalloc(Geometry, PyMemAllocatorEx, PyObjectArenaAllocator, boolean, boolean)};
     * keeping up to {@code retainedArenas} emptied arenas mapped for reuse (threaded mode only;
     * 0 gives each back the moment it empties, as obmalloc does; the package documentation has
     * the design).
     *
     * @throws IllegalArgumentException if {@code retainedArenas} is negative, or above 0 in GIL mode
     */
    public Pymalloc(Geometry geometry, PyMemAllocatorEx raw, PyObjectArenaAllocator arenaAllocator, boolean threaded,
                    boolean frontCache, int retainedArenas) {
        Objects.requireNonNull(geometry, "geometry");
        if (retainedArenas < 0 || (!threaded && retainedArenas > 0)) {
            throw new IllegalArgumentException("pymalloc: " + retainedArenas + " retained arenas: "
                    + (retainedArenas < 0 ? "a count is 0 or more" : "GIL mode gives arenas back as obmalloc does (0)"));
        }
        Objects.requireNonNull(raw, "raw");
        Objects.requireNonNull(arenaAllocator, "arenaAllocator");
        // The arena map before the heaps table: the raw requests keep their order (the map's
        // root, then GIL mode's heap), which a fault injected by call number relies on.
        ArenaMap arenaMap = new ArenaMap(geometry, raw, threaded);
        super(geometry, raw, arenaAllocator, arenaMap, threaded, frontCache, retainedArenas);
        this.raw = raw;
        this.arenaMap = arenaMap;
        this.poolSizeMask = geometry.poolSizeMask;
        this.blockCheck = geometry.blockChecks();
        this.frontCache = threaded && frontCache;
        if (!threaded && gilHeap == null) {
            arenaMap.free();
            throw new OutOfMemoryError("pymalloc: cannot allocate usedpools");
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

    /** Whether each thread's heap keeps a front cache of free blocks (threaded mode only). */
    public boolean frontCache() {
        return frontCache;
    }

    // ================================================================ entry points

    @Override
    public long malloc(long nbytes) {
        if (nbytes > 0 && nbytes <= Geometry.SMALL_REQUEST_THRESHOLD) {
            Heap h = heap();
            long bp = h == null ? 0 : allocSmall(h, nbytes);
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
            long bp = h == null ? 0 : allocSmall(h, nbytes);
            if (bp != 0) {
                NativeMemory.fill(bp, nbytes, (byte) 0);
                return bp;
            }
        }
        checkOpen();
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
            // valid to copy is unknown (CPython bug 1185883). After close the arena map is
            // empty, so every pointer lands here.
            checkOpen();
            return raw.realloc(p, nbytes);
        }
        // Refused before anything moves: a failing free after the copy would leak the new block.
        long pool = p & poolMask;
        if (ownerOf(pool) == null) {
            throw badFree(p, NO_OWNER);
        }
        checkBoundary(pool, p);
        long size = geometry.index2size(NativeMemory.getInt(pool + PoolHeader.SZIDX));
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
            // After close the arena map is empty, so every pointer lands here.
            checkOpen();
            raw.free(p);
            countRaw(-1);
            return;
        }
        long pool = p & poolMask;
        int ownerId = NativeMemory.getInt(pool + PoolHeader.OWNER);
        if (gilHeap != null) {
            if (ownerId != gilHeap.id) {
                throw badFree(p, NO_OWNER);
            }
            checkBoundary(pool, p);
            pymallocFree(gilHeap, p);
            return;
        }
        // The pool's owner does not change while the pool holds a live block such as p. The
        // range test stands in for the array's own bounds check, the null test for the
        // implicit one of owner.ownerTid: a pool never handed out has no owner.
        Heap[] table = heaps;
        Heap owner = Integer.compareUnsigned(ownerId, table.length) < 0 ? table[ownerId] : null;
        if (owner == null) {
            throw badFree(p, NO_OWNER);
        }
        int szidx = checkBoundary(pool, p);
        if (owner.ownerTid == Thread.currentThread().threadId()) {
            long[] c = owner.cache;
            if (c == null) {
                pymallocFree(owner, p);
            } else {
                BlockCache.free(this, owner, c, szidx, p);
            }
        } else {
            freeForOtherHeap(owner, p);
        }
    }

    /**
     * Refuses a pointer that is not the start of one of its pool's blocks (an interior
     * pointer, or one into the header or the tail the blocks leave): a multiply and a compare.
     */
    private int checkBoundary(long pool, long p) {
        int szidx = NativeMemory.getInt(pool + PoolHeader.SZIDX);
        long n = ((p & poolSizeMask) - poolOverhead) & 0xFFFF_FFFFL;
        if (Long.compareUnsigned(n * blockCheck[2 * szidx], blockCheck[2 * szidx + 1]) > 0) {
            throw badFree(p, "it is not the start of a block of its pool (blocks of "
                    + geometry.index2size(szidx) + " bytes from offset " + poolOverhead + ")");
        }
        return szidx;
    }

    /** The heap owning {@code pool}, or null if none does (the pool was never handed out). */
    private Heap ownerOf(long pool) {
        int ownerId = NativeMemory.getInt(pool + PoolHeader.OWNER);
        if (gilHeap != null) {
            return ownerId == gilHeap.id ? gilHeap : null;
        }
        Heap[] table = heaps;
        return Integer.compareUnsigned(ownerId, table.length) < 0 ? table[ownerId] : null;
    }

    private static final String NO_OWNER = "it lies in a pool never handed out (no heap owns it)";

    private static IllegalArgumentException badFree(long p, String why) {
        return new IllegalArgumentException("pymalloc: cannot free 0x" + Long.toHexString(p) + ": " + why);
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
            if (owner.cache != null) {
                owner.cache[BlockCache.LIVE]--;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Pushes {@code p} on {@code owner}'s remote frees, counted in the calling thread's own heap. */
    private void pushRemote(Heap owner, long p) {
        countPushed(NativeMemory.getInt((p & poolMask) + PoolHeader.SZIDX));
        owner.pushRemote(p);
    }

    /**
     * Threaded mode: the calling thread's heap collects the blocks other threads freed into
     * it, gives the blocks of its front cache back to their pools and its warm empty pool
     * back to its arena, and every heap whose thread has
     * ended is emptied the same way, so that wholly free arenas go back, and the emptied
     * arenas kept for reuse go back too. GIL mode has nothing to collect. Call it when a phase
     * of work ends, before reading {@link #stats()}.
     */
    public void collect() {
        checkOpen();
        if (gilHeap != null) {
            return;
        }
        Heap h = ownHeap();
        if (h != null) {
            drain(h);
        }
        lock.lock();
        try {
            disownEndedLocked(h);
            arenas.releaseRetained();
        } finally {
            lock.unlock();
        }
    }

    private long rawMalloc(long nbytes) {
        checkOpen();
        long p = raw.malloc(nbytes);
        if (p != 0) {
            countRaw(1);
        }
        return p;
    }

    // ================================================================ introspection

    /** Emptied arenas kept mapped for reuse now (threaded mode; always 0 in GIL mode). */
    public int retainedArenas() {
        if (gilHeap != null) {
            return 0;
        }
        lock.lock();
        try {
            return arenas.retainedArenas();
        } finally {
            lock.unlock();
        }
    }

    /** Whether {@code p} lies in one of this allocator's arenas (the arena map's answer). */
    public boolean owns(long p) {
        return p != 0 && arenaMap.isUsed(p);
    }

    /** {@code raw_allocated_blocks}: blocks malloc/calloc handed to the raw backend and not yet freed. */
    public long rawAllocatedBlocks() {
        return sumRawAllocatedBlocks();
    }

    /** The free-pool count of each arena in usable_arenas, head first (the order allocation takes them). */
    public List<Integer> usableArenaFreePools() {
        lock();
        try {
            checkOpen();
            return arenas.usableFreePools();
        } finally {
            unlock();
        }
    }

    /**
     * The statistics {@code _PyObject_DebugMallocStats} prints. Exact when no other thread is
     * allocating or freeing meanwhile. In threaded mode, blocks other threads freed and the
     * owner has not collected yet count as free, and so do the blocks in front caches; warm
     * pools count as unused pools.
     */
    public PymallocStats stats() {
        lock();
        try {
            checkOpen();
            long[] free = pendingRemoteFrees();
            long[] cached = cachedBlocks();
            for (int i = 0; i < free.length; i++) {
                free[i] += cached[i];
            }
            return arenas.stats(free, warmPools(), rawAllocatedBlocks());
        } finally {
            unlock();
        }
    }

    /** The pymalloc part of {@code sys._debugmallocstats()}, exactly as CPython lays it out. */
    public String debugMallocStats() {
        return stats().report();
    }

    /**
     * The bytes from {@code p} to the end of its block when {@code p} lies in a block of one
     * of its pools (the block's size class less {@code p}'s offset in it), the raw backend's
     * answer for a pointer it does not own, and {@link UsableSize#UNKNOWN} for a pointer into
     * a pool no heap owns or into a pool's header or tail. Whether the block is live is not
     * known (the debug layer's business).
     *
     * @throws IllegalStateException after {@link #close()}
     */
    @Override
    public long usableSize(long p) {
        if (p == 0) {
            return UNKNOWN;
        }
        if (!arenaMap.isUsed(p)) {
            checkOpen();
            return raw instanceof UsableSize u ? u.usableSize(p) : UNKNOWN;
        }
        long pool = p & poolMask;
        if (ownerOf(pool) == null) {
            return UNKNOWN;
        }
        int szidx = NativeMemory.getInt(pool + PoolHeader.SZIDX);
        long blockSize = geometry.index2size(szidx);
        long offset = (p & poolSizeMask) - poolOverhead;
        if (offset < 0 || offset >= geometry.numBlocks(szidx) * blockSize) {
            return UNKNOWN;
        }
        return blockSize - offset % blockSize;
    }

    /**
     * {@code size} bytes aligned to {@code alignment}: a pool block up to {@code ALIGNMENT}
     * (every pool block has it), else the raw backend's aligned block, counted in
     * {@code raw_allocated_blocks}.
     *
     * @throws UnsupportedOperationException for a stricter alignment when the raw backend
     *                                       cannot align
     */
    @Override
    public long alignedMalloc(long alignment, long size) {
        if (alignment <= geometry.alignment) {
            return malloc(size);
        }
        checkOpen();
        if (!(raw instanceof AlignedAllocation aligned)) {
            throw new UnsupportedOperationException("pymalloc: its raw backend " + raw + " cannot align a block to "
                    + alignment + " bytes");
        }
        long p = aligned.alignedMalloc(alignment, size);
        if (p != 0) {
            countRaw(1);
        }
        return p;
    }

    /**
     * The first round of a runtime's close: the blocks handed out and not freed
     * ({@code sys.getallocatedblocks()}: pool blocks and raw ones) and the bytes of the pool
     * blocks, by size class; null once closed.
     */
    @Override
    public LiveBlocks beforeClose() {
        if (closed) {
            return null;
        }
        PymallocStats s = stats();
        return LiveBlocks.counted("pymalloc", s.allocatedBlocks(), s.bytesInAllocatedBlocks());
    }

    /**
     * Gives every arena, the arena map, the {@code arenas} vector and {@code usedpools}
     * back, whatever blocks are still live. Every later call on this allocator, from any
     * thread, throws {@link IllegalStateException} (a call racing with close is not
     * covered), and its blocks must no longer be used. Raw blocks it handed out stay valid
     * and belong to the raw backend. Closing twice does nothing.
     */
    @Override
    public void close() {
        lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            arenas.freeAll();
            arenaMap.free();
            closeHeapsLocked();
        } finally {
            unlock();
        }
    }

    @Override
    public String toString() {
        return "pymalloc[" + geometry.name + "]";
    }
}
