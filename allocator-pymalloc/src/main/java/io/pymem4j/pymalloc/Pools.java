package io.pymem4j.pymalloc;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.api.PyObjectArenaAllocator;

/**
 * The pool algorithm of obmalloc on one heap's {@code usedpools} rings: {@code pymalloc_alloc}
 * (a block off the first pool of its class's ring), {@code pymalloc_pool_extend},
 * {@code allocate_from_new_pool}, {@code pymalloc_free}, and, in threaded mode, the owner's
 * collection of the blocks other threads freed into its pools and its warm pool's return.
 *
 * <p>{@link Pymalloc} is its only subclass and the entry points' only caller, as {@link Heaps}
 * is this class's superclass: the fast path reads the pool geometry, the heaps table and the
 * arena lock through {@code this}, and every method here is final (or private), so that the
 * JIT inlines them into the entry points exactly as it would methods of {@code Pymalloc}'s
 * own. The entry points' checks (the arena map, a block's owner and boundary) happen there,
 * before a pointer reaches this class.
 */
abstract sealed class Pools extends Heaps permits Pymalloc {

    final Geometry geometry;
    /** The arenas, their lists and the pools they hold; used with the arena lock held. */
    final Arenas arenas;

    // Geometry constants copied into fields the hot paths read.
    private final int alignmentShift;
    private final int poolSize;
    final long poolMask;
    final int poolOverhead;

    /**
     * The heaps table of {@link Heaps#Heaps} and the arenas, which get arenas from
     * {@code arenaAllocator} and mark them in {@code arenaMap}.
     */
    Pools(Geometry geometry, PyMemAllocatorEx raw, PyObjectArenaAllocator arenaAllocator,
          ArenaMap arenaMap, boolean threaded, boolean frontCache, int retainedArenas) {
        super(geometry, raw, threaded, frontCache);
        this.geometry = geometry;
        this.arenas = new Arenas(geometry, raw, arenaAllocator, arenaMap, retainedArenas);
        this.alignmentShift = geometry.alignmentShift;
        this.poolSize = geometry.poolSize;
        this.poolMask = ~geometry.poolSizeMask;
        this.poolOverhead = geometry.poolOverhead;
    }

    // ================================================================ remote frees

    @Override
    final void drain(Heap h) {
        collectRemoteFrees(h);
        if (h.cache != null) {
            BlockCache.flush(this, h, h.cache);
        }
        releaseWarmPool(h);
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
        h.countCollected(NativeMemory.getInt((p & poolMask) + PoolHeader.SZIDX));
        pymallocFree(h, p);
        if (h.cache != null) {
            h.cache[BlockCache.LIVE]--;
        }
    }

    private void releaseWarmPool(Heap h) {
        long pool = h.warmPool;
        if (pool != 0) {
            h.warmPool = 0;
            returnToArena(pool);
        }
    }

    // ================================================================ the front cache

    /** A block of 1..512 bytes for heap {@code h}: from its front cache if it has one, else its pools. */
    final long allocSmall(Heap h, long nbytes) {
        long[] c = h.cache;
        if (c == null) {
            return pymallocAlloc(h, nbytes);
        }
        int szidx = (int) ((nbytes - 1) >>> alignmentShift);
        long bp = BlockCache.pop(c, szidx);
        return bp != 0 ? bp : BlockCache.refill(this, h, c, szidx, nbytes);
    }

    // ================================================================ allocation

    /** {@code pymalloc_alloc} for 1 <= nbytes <= 512 on heap {@code h}: a block, or 0 when no arena can be had. */
    final long pymallocAlloc(Heap h, long nbytes) {
        int size = (int) ((nbytes - 1) >>> alignmentShift);
        long pool = h.ring(size);
        if (pool != NativeMemory.getLong(pool + PoolHeader.NEXTPOOL)) {
            return popBlock(h, pool, size);
        }
        return allocateFromNewPool(h, size);
    }

    /** There is a used pool for this class: pop its free list. */
    final long popBlock(Heap h, long pool, int size) {
        int count = NativeMemory.getInt(pool + PoolHeader.REF_COUNT);
        if (count == 0) {
            h.warmPool = 0; // only the warm pool sits in a ring with no block in use
        }
        NativeMemory.putInt(pool + PoolHeader.REF_COUNT, count + 1);
        long bp = NativeMemory.getLong(pool + PoolHeader.FREEBLOCK);
        long next = NativeMemory.getLong(bp);
        NativeMemory.putLong(pool + PoolHeader.FREEBLOCK, next);
        if (next == 0) {
            poolExtend(pool, size);
        }
        return bp;
    }

    /** {@code pymalloc_pool_extend}: carve the next virgin block, or unlink the pool if it is full. */
    private void poolExtend(long pool, int size) {
        int nextoffset = NativeMemory.getInt(pool + PoolHeader.NEXTOFFSET);
        if (nextoffset <= NativeMemory.getInt(pool + PoolHeader.MAXNEXTOFFSET)) {
            long fresh = pool + nextoffset;
            NativeMemory.putLong(pool + PoolHeader.FREEBLOCK, fresh);
            NativeMemory.putInt(pool + PoolHeader.NEXTOFFSET, nextoffset + geometry.index2size(size));
            NativeMemory.putLong(fresh, 0);
            return;
        }
        // The pool is full: it leaves the used ring and sits on no list (PoolHeader.unlink,
        // written out here on the allocation path as the ring link below is).
        long next = NativeMemory.getLong(pool + PoolHeader.NEXTPOOL);
        long prev = NativeMemory.getLong(pool + PoolHeader.PREVPOOL);
        NativeMemory.putLong(next + PoolHeader.PREVPOOL, prev);
        NativeMemory.putLong(prev + PoolHeader.NEXTPOOL, next);
    }

    /**
     * {@code allocate_from_new_pool}: the class's ring is empty. In threaded mode, blocks
     * other threads freed into this heap come back first, then the warm pool; only then
     * does the heap take a pool from the head of usable_arenas, under the arena lock.
     */
    private long allocateFromNewPool(Heap h, int size) {
        if (gilHeap == null && collectRemoteFrees(h)) {
            long pool = h.ring(size);
            if (pool != NativeMemory.getLong(pool + PoolHeader.NEXTPOOL)) {
                return popBlock(h, pool, size);
            }
        }
        long pool = h.warmPool;
        if (pool != 0) {
            // The warm pool waits in another class's ring; it moves to this one.
            h.warmPool = 0;
            PoolHeader.unlink(pool);
        } else {
            lock();
            try {
                pool = arenas.takePool();
            } finally {
                unlock();
            }
            if (pool == 0) {
                return 0;
            }
            NativeMemory.putInt(pool + PoolHeader.OWNER, h.id);
        }

        // The pool becomes the only member of its class's used ring.
        long header = h.ring(size);
        NativeMemory.putLong(pool + PoolHeader.NEXTPOOL, header);
        NativeMemory.putLong(pool + PoolHeader.PREVPOOL, header);
        NativeMemory.putLong(header + PoolHeader.NEXTPOOL, pool);
        NativeMemory.putLong(header + PoolHeader.PREVPOOL, pool);
        NativeMemory.putInt(pool + PoolHeader.REF_COUNT, 1);

        if (NativeMemory.getInt(pool + PoolHeader.SZIDX) == size) {
            // A recycled pool of the same class still has its free list.
            long bp = NativeMemory.getLong(pool + PoolHeader.FREEBLOCK);
            NativeMemory.putLong(pool + PoolHeader.FREEBLOCK, NativeMemory.getLong(bp));
            return bp;
        }
        // Initialise the pool for this class: hand out the first block, thread only the second.
        int blockSize = geometry.index2size(size);
        NativeMemory.putInt(pool + PoolHeader.SZIDX, size);
        long bp = pool + poolOverhead;
        NativeMemory.putInt(pool + PoolHeader.NEXTOFFSET, poolOverhead + 2 * blockSize);
        NativeMemory.putInt(pool + PoolHeader.MAXNEXTOFFSET, poolSize - blockSize);
        long second = bp + blockSize;
        NativeMemory.putLong(pool + PoolHeader.FREEBLOCK, second);
        NativeMemory.putLong(second, 0);
        return bp;
    }

    // ================================================================ free

    /** {@code pymalloc_free} of a block of heap {@code h}'s pools, by its owner. */
    final void pymallocFree(Heap h, long p) {
        long pool = p & poolMask;
        long lastfree = NativeMemory.getLong(pool + PoolHeader.FREEBLOCK);
        NativeMemory.putLong(p, lastfree);
        NativeMemory.putLong(pool + PoolHeader.FREEBLOCK, p);
        int count = NativeMemory.getInt(pool + PoolHeader.REF_COUNT) - 1;
        NativeMemory.putInt(pool + PoolHeader.REF_COUNT, count);
        if (lastfree == 0) {
            // The pool was full: back at the front of its used ring, so its block is reused next.
            PoolHeader.linkBefore(pool, h.ring(NativeMemory.getInt(pool + PoolHeader.SZIDX)));
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
        returnToArena(pool);
    }

    /** An empty pool leaves its ring and goes back to its arena, under the arena lock. */
    private void returnToArena(long pool) {
        PoolHeader.unlink(pool);
        lock();
        try {
            arenas.returnPool(pool);
        } finally {
            unlock();
        }
    }
}
