package io.pymem4j.pymalloc;

import io.pymem4j.api.PyMemAllocatorEx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The heaps table of one pymalloc: every {@link Heap} by id, the heap serving each thread
 * (in GIL mode the one heap), the heaps with no owner waiting for a thread, and the counts
 * of threads that have no heap to count in.
 *
 * <p>{@link Pools} is its only subclass (and {@link Pymalloc} that one's), so that the fast
 * path reads these fields through {@code this} exactly as it would its own: the table costs
 * no extra load. What needs the allocator's algorithm, emptying a heap whose owner ended, is
 * the subclass's {@link #drain(Heap)}.
 *
 * <p>Locking: {@link #lock} is pymalloc's arena lock (null in GIL mode). The table
 * ({@link #heaps}) is replaced, never changed, when it grows, so readers need no lock; the
 * heaps with no owner and {@link #closed} change with the lock held; each count is written by
 * one thread alone, or atomically.
 */
abstract sealed class Heaps permits Pools {

    // Heap events are logged under the allocator's category.
    private static final Logger log = LoggerFactory.getLogger(Pymalloc.class);

    private static final VarHandle RAW_ALLOCATED_BLOCKS;
    private static final VarHandle HEAPLESS_PUSHED = MethodHandles.arrayElementVarHandle(long[].class);

    static {
        try {
            RAW_ALLOCATED_BLOCKS = MethodHandles.lookup().findVarHandle(Heaps.class, "rawAllocatedBlocks", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final int HEAP_CACHE_SLOTS = 256;

    /**
     * The arena lock: guards the arenas and their lists, the arena map's writes, the heaps
     * table and every heap without an owner. Null in GIL mode, where MEM and OBJ callers
     * hold the runtime's interpreter lock and pymalloc takes no lock of its own.
     */
    final ReentrantLock lock;
    /** GIL mode's one heap, used by whoever holds the interpreter lock; null in threaded mode. */
    final Heap gilHeap;
    /**
     * What {@link #heap()} hands out in GIL mode: {@link #gilHeap} until {@code close()},
     * which sets it to null so that the next request falls into the slow path and is refused
     * there, with no check of its own on the fast path.
     */
    private Heap openGilHeap;
    /** Threaded mode: each thread's heap, taken on its first small request. */
    private final ThreadLocal<Heap> threadHeap;
    /** Threaded mode: heaps by {@code threadId & (HEAP_CACHE_SLOTS - 1)}, a shortcut past the ThreadLocal. */
    private final Heap[] heapCache = new Heap[HEAP_CACHE_SLOTS];
    /** Heaps by id (slot 0 unused); replaced, never changed, when it grows, so readers need no lock. */
    volatile Heap[] heaps = new Heap[1];
    /** Heaps with no owner, ready to be taken by a thread's first request (lock held). */
    private final ArrayDeque<Heap> unownedHeaps = new ArrayDeque<>();
    /**
     * Set by {@code close()} (lock held): no heap is taken after it. Read by the slow paths
     * alone, which close() makes every later call reach (see {@link #closeHeapsLocked()}).
     */
    volatile boolean closed;

    /** Where heaps' native blocks come from, and their size. */
    private final PyMemAllocatorEx raw;
    private final int usedPoolsSize;
    private final int nbSmallSizeClasses;
    /** The geometry each heap's front cache is laid out for; null when heaps have none. */
    private final Geometry cacheGeometry;

    /** Per size class, remote frees pushed by threads that could get no heap to count them in; updated atomically. */
    private final long[] heaplessPushed;
    /** Blocks handed to the raw backend by malloc/calloc and not yet freed, by threads with no heap; updated atomically. */
    @SuppressWarnings("unused") // through RAW_ALLOCATED_BLOCKS
    private volatile long rawAllocatedBlocks;

    /**
     * An empty table; in GIL mode ({@code threaded} false) it makes the one heap, and
     * {@link #gilHeap} is null only if its native block could not be had. With
     * {@code frontCache} (threaded mode only) every heap gets a front cache.
     */
    Heaps(Geometry geometry, PyMemAllocatorEx raw, boolean threaded, boolean frontCache) {
        this.raw = raw;
        this.cacheGeometry = threaded && frontCache ? geometry : null;
        this.usedPoolsSize = geometry.usedPoolsSize;
        this.nbSmallSizeClasses = geometry.nbSmallSizeClasses;
        this.heaplessPushed = new long[nbSmallSizeClasses];
        if (threaded) {
            this.lock = new ReentrantLock();
            this.gilHeap = null;
            this.threadHeap = new ThreadLocal<>();
        } else {
            this.lock = null;
            this.gilHeap = newHeap();
            this.openGilHeap = gilHeap;
            this.threadHeap = null;
        }
    }

    /**
     * Frees the blocks other threads freed into {@code h}, gives its front cache's blocks
     * back to their pools and its warm pool back to its arena.
     */
    abstract void drain(Heap h);

    final void lock() {
        if (lock != null) {
            lock.lock();
        }
    }

    final void unlock() {
        if (lock != null) {
            lock.unlock();
        }
    }

    /** The calling thread's heap (GIL mode: the one heap); null only if none could be made. */
    final Heap heap() {
        Heap g = openGilHeap;
        if (g != null) {
            return g;
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

    /** Threaded mode: the calling thread's heap, without the shortcut of {@link #heap()}; null if it has none yet. */
    final Heap ownHeap() {
        return threadHeap.get();
    }

    private Heap heapSlow(long tid) {
        // Also where every request lands after close(), GIL mode's too: it cleared what the
        // fast path above reads.
        checkOpen();
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
            checkOpen();
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
        long block = raw.malloc(Heap.nativeBytes(usedPoolsSize));
        if (block == 0) {
            log.debug("no raw memory for a new heap's usedpools");
            return null;
        }
        Heap[] old = heaps;
        Heap h = new Heap(old.length, block, usedPoolsSize, nbSmallSizeClasses,
                cacheGeometry == null ? null : BlockCache.create(cacheGeometry));
        Heap[] grown = Arrays.copyOf(old, old.length + 1);
        grown[h.id] = h;
        heaps = grown;
        return h;
    }

    /**
     * A heap whose thread has ended (lock held): it is drained and waits, unowned, for the
     * next thread; its pools with live blocks stay in it.
     */
    final void disownLocked(Heap h) {
        h.disown();
        drain(h);
        unownedHeaps.addLast(h);
        log.debug("{} disowned: its thread ended", h);
    }

    /** Disowns every heap but {@code except} whose thread has ended (lock held). */
    final void disownEndedLocked(Heap except) {
        for (Heap other : heaps) {
            if (other != null && other != except && other.ownerTid != Heap.UNOWNED && !other.ownerAlive()) {
                disownLocked(other);
            }
        }
    }

    /**
     * Counts a raw block got or given back, in the calling thread's heap (no atomic
     * instruction: the owner alone writes it), or in the shared count when the thread has no
     * heap; {@link #sumRawAllocatedBlocks()} sums them.
     */
    final void countRaw(long delta) {
        Heap h = heap();
        if (h != null) {
            h.countRaw(delta);
        } else {
            RAW_ALLOCATED_BLOCKS.getAndAdd(this, delta);
        }
    }

    /** Counts a remote free of class {@code szidx} pushed by the calling thread, in its heap or, if it has none, in the shared count. */
    final void countPushed(int szidx) {
        Heap me = heap();
        if (me != null) {
            me.countPushed(szidx);
        } else {
            HEAPLESS_PUSHED.getAndAdd(heaplessPushed, szidx, 1L);
        }
    }

    /** {@code raw_allocated_blocks}: the shared count plus every heap's share. */
    final long sumRawAllocatedBlocks() {
        long n = (long) RAW_ALLOCATED_BLOCKS.getVolatile(this);
        for (Heap h : heaps) {
            if (h != null) {
                n += h.rawBlocks();
            }
        }
        return n;
    }

    /** Per size class, the remote frees pushed and not yet collected by their heaps' owners. */
    final long[] pendingRemoteFrees() {
        long[] pending = new long[nbSmallSizeClasses];
        for (int i = 0; i < nbSmallSizeClasses; i++) {
            pending[i] = (long) HEAPLESS_PUSHED.getVolatile(heaplessPushed, i);
        }
        for (Heap h : heaps) {
            if (h != null) {
                for (int i = 0; i < nbSmallSizeClasses; i++) {
                    pending[i] += h.pendingShare(i);
                }
            }
        }
        return pending;
    }

    /**
     * Per size class, the blocks held in the heaps' front caches: free, though their pools
     * count them in use. Read without the owners' cooperation, so exact only while no
     * other thread allocates or frees.
     */
    final long[] cachedBlocks() {
        long[] cached = new long[nbSmallSizeClasses];
        for (Heap h : heaps) {
            if (h != null && h.cache != null) {
                for (int i = 0; i < nbSmallSizeClasses; i++) {
                    cached[i] += BlockCache.depth(h.cache, i);
                }
            }
        }
        return cached;
    }

    /** Heaps holding a warm pool: each is an empty pool kept in a ring rather than on its arena's freepools. */
    final long warmPools() {
        long n = 0;
        for (Heap h : heaps) {
            if (h != null && h.warmPool != 0) {
                n++;
            }
        }
        return n;
    }

    /** Throws if {@code close()} ran: the slow paths' check, which the fast paths need not make. */
    final void checkOpen() {
        if (closed) {
            throw new IllegalStateException("pymalloc is closed: no call may be made on it");
        }
    }

    /**
     * At close (lock held, {@link #closed} set): makes every later {@link #heap()} miss, so
     * that it reaches {@link #checkOpen()} (GIL mode's heap is no longer handed out; the
     * cache is emptied and every heap disowned, so a thread's own id no longer matches), then
     * gives every heap's native block back.
     */
    final void closeHeapsLocked() {
        openGilHeap = null;
        Arrays.fill(heapCache, null);
        for (Heap h : heaps) {
            if (h != null) {
                h.disown();
                raw.free(h.usedpools);
            }
        }
    }
}
