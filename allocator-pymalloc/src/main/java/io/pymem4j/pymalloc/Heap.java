package io.pymem4j.pymalloc;

import io.pymem4j.api.NativeMemory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;

/**
 * One heap of pools: a {@code usedpools} table of its own, the pools it owns, the blocks
 * other threads freed into those pools (queued, or listed in {@code remoteFrees}), and at
 * most one warm empty pool. Owned by one thread at a time (or, in GIL mode, by whoever
 * holds the interpreter lock); only the owner touches its rings and its pools' headers. See
 * the package documentation for the design.
 */
final class Heap {

    private static final VarHandle RAW_BLOCKS;
    private static final VarHandle COUNTS = MethodHandles.arrayElementVarHandle(long[].class);

    static {
        try {
            RAW_BLOCKS = MethodHandles.lookup().findVarHandle(Heap.class, "rawBlocks", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    static final long UNOWNED = -1;
    /** Queued remote frees the owner takes at a time. */
    static final int TAKE_BATCH = 64;

    /** The owner id written into each of its pools' headers; 1-based, the index in the heaps table. */
    final int id;
    /**
     * {@code usedpools}: native, 2 pointers per class, each ring's fake header overlapping it;
     * the start of the heap's native block (see {@link #nativeBytes}).
     */
    final long usedpools;
    /**
     * Head of the blocks other threads freed into this heap's pools, linked through each
     * block's first word: a word of the heap's native block alone in its cache line, since
     * other threads write it and the owner's hot fields must not move with it.
     */
    private final long remoteFrees;
    /** Where other threads' frees go first; {@link #remoteFrees} takes what does not fit. */
    private final RemoteFrees remoteQueue = new RemoteFrees(RemoteFrees.CAPACITY);
    /** The owner's scratch for taking from {@link #remoteQueue}. */
    private final long[] taken = new long[TAKE_BATCH];
    /**
     * The owning thread's id, or {@link #UNOWNED}. Other threads read it to decide whether a
     * free is theirs to do; a stale value never equals their own id, so they push instead.
     */
    long ownerTid = UNOWNED;
    /** The owning thread, weakly: a dead owner's heap can be taken over (see {@link #ownerAlive()}). */
    private WeakReference<Thread> ownerThread;
    /** An emptied pool kept for the next new-pool request instead of going back to its arena; 0 if none. */
    long warmPool;
    /**
     * The front cache of free blocks (layout in {@link BlockCache}), touched by the owner
     * alone; null when the allocator runs without one (GIL mode, or the cache turned off).
     */
    final long[] cache;
    /**
     * Blocks its owner got from the raw allocator through pymalloc, less those it gave back
     * there (either may be another heap's: only the sum over heaps is the count). Written by
     * the owner alone, so without an atomic instruction; read opaquely by statistics.
     */
    @SuppressWarnings("unused") // through RAW_BLOCKS
    private long rawBlocks;
    /**
     * Per size class, the blocks this heap's owner pushed on other heaps' {@code remoteFrees},
     * and those it collected from its own. Each is written by the owner alone (no atomic
     * instruction, no cache line shared with the pushing thread); the remote frees not yet
     * collected, which statistics count as free, are the sum over all heaps of pushed less
     * collected.
     */
    private final long[] pushed;
    private final long[] collected;

    /** Bytes of a heap's native block: {@code usedpools}, then a cache line of its own for {@code remoteFrees}. */
    static long nativeBytes(int usedPoolsSize) {
        return 8L * usedPoolsSize + 2 * CACHE_LINE;
    }

    private static final int CACHE_LINE = 64;

    /**
     * A heap on the {@link #nativeBytes} bytes at {@code block} (16-byte aligned, as malloc
     * returns), with front cache {@code cache} (null for none).
     */
    Heap(int id, long block, int usedPoolsSize, int nbSmallSizeClasses, long[] cache) {
        this.id = id;
        this.cache = cache;
        this.usedpools = block;
        this.remoteFrees = (block + 8L * usedPoolsSize + CACHE_LINE - 1) & -CACHE_LINE;
        NativeMemory.putLong(remoteFrees, 0);
        this.pushed = new long[nbSmallSizeClasses];
        this.collected = new long[nbSmallSizeClasses];
        // Each class's ring starts empty: its fake header sits two pointers before
        // usedpools[2i], so that header's nextpool and prevpool are usedpools[2i] and [2i+1].
        for (int i = 0; i < usedPoolsSize; i += 2) {
            long fake = usedpools + 8L * i - PoolHeader.NEXTPOOL;
            NativeMemory.putLong(usedpools + 8L * i, fake);
            NativeMemory.putLong(usedpools + 8L * (i + 1), fake);
        }
    }

    /** Makes the calling thread the owner. */
    void adopt(Thread owner) {
        ownerTid = owner.threadId();
        ownerThread = new WeakReference<>(owner);
    }

    /** Leaves the heap without an owner: from now on it is worked on only under the arena lock. */
    void disown() {
        ownerTid = UNOWNED;
        ownerThread = null;
    }

    /**
     * Whether the owner is still running. Its termination happens-before this returning
     * false (JLS 17.4.4), so its last writes to the heap's pools are visible to the caller.
     */
    boolean ownerAlive() {
        WeakReference<Thread> ref = ownerThread;
        Thread t = ref == null ? null : ref.get();
        return t != null && t.isAlive();
    }

    /** The owner got ({@code +1}) or gave back ({@code -1}) a raw block. */
    void countRaw(long delta) {
        RAW_BLOCKS.setOpaque(this, (long) RAW_BLOCKS.getOpaque(this) + delta);
    }

    /** This heap's share of the raw blocks (see {@link #rawBlocks}). */
    long rawBlocks() {
        return (long) RAW_BLOCKS.getOpaque(this);
    }

    /**
     * Another thread's free of block {@code p}, lock-free; the owner collects it later. The
     * block's address goes on the queue; only when the queue is full is it linked through its
     * first word onto the list.
     */
    void pushRemote(long p) {
        if (remoteQueue.offer(p)) {
            return;
        }
        long head;
        do {
            head = NativeMemory.getLongVolatile(remoteFrees);
            NativeMemory.putLong(p, head);
        } while (!NativeMemory.compareAndSetLong(remoteFrees, head, p));
    }

    /** Whether a remote free waits on the queue (the owner's cheap test before {@link #takeQueued()}). */
    boolean hasQueued() {
        return !remoteQueue.isEmpty();
    }

    /** The owner takes up to {@link #taken}'s length of queued remote frees into {@link #taken}; returns how many. */
    int takeQueued() {
        return remoteQueue.poll(taken);
    }

    /** The {@code i}th block of the last {@link #takeQueued()}. */
    long taken(int i) {
        return taken[i];
    }

    /** Takes every remote free on the list at once (a bulk pop cannot suffer ABA); 0 if none. */
    long takeRemoteFrees() {
        return NativeMemory.getLongVolatile(remoteFrees) == 0 ? 0 : NativeMemory.getAndSetLong(remoteFrees, 0);
    }

    /** The owner pushed a block of class {@code szidx} on another heap. */
    void countPushed(int szidx) {
        COUNTS.setOpaque(pushed, szidx, (long) COUNTS.getOpaque(pushed, szidx) + 1);
    }

    /** The owner (or, for a heap with no owner, the arena lock's holder) collected a remote free of class {@code szidx}. */
    void countCollected(int szidx) {
        COUNTS.setOpaque(collected, szidx, (long) COUNTS.getOpaque(collected, szidx) + 1);
    }

    /** This heap's share of the uncollected remote frees of class {@code szidx}: pushed less collected. */
    long pendingShare(int szidx) {
        return (long) COUNTS.getOpaque(pushed, szidx) - (long) COUNTS.getOpaque(collected, szidx);
    }

    /** The ring head of class {@code szidx}. */
    long ring(int szidx) {
        return NativeMemory.getLong(usedpools + ((long) szidx << 4));
    }

    @Override
    public String toString() {
        return "heap " + id + (ownerTid == UNOWNED ? " (unowned)" : " of thread " + ownerTid);
    }
}
