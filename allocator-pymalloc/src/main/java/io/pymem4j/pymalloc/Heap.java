package io.pymem4j.pymalloc;

import io.pymem4j.api.NativeMemory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;

/**
 * One heap of pools: a {@code usedpools} table of its own, the pools it owns, the blocks
 * other threads freed into those pools ({@code remoteFrees}), and at most one warm empty
 * pool. Owned by one thread at a time (or, in GIL mode, by whoever holds the interpreter
 * lock); only the owner touches its rings and its pools' headers. See the package
 * documentation for the design.
 */
final class Heap {

    private static final VarHandle REMOTE_FREES;
    private static final VarHandle RAW_BLOCKS;
    private static final VarHandle PENDING = MethodHandles.arrayElementVarHandle(long[].class);

    static {
        try {
            REMOTE_FREES = MethodHandles.lookup().findVarHandle(Heap.class, "remoteFrees", long.class);
            RAW_BLOCKS = MethodHandles.lookup().findVarHandle(Heap.class, "rawBlocks", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    static final long UNOWNED = -1;

    /** The owner id written into each of its pools' headers; 1-based, the index in the heaps table. */
    final int id;
    /** {@code usedpools}: native, 2 pointers per class, each ring's fake header overlapping it. */
    final long usedpools;
    /**
     * The owning thread's id, or {@link #UNOWNED}. Other threads read it to decide whether a
     * free is theirs to do; a stale value never equals their own id, so they push instead.
     */
    long ownerTid = UNOWNED;
    /** The owning thread, weakly: a dead owner's heap can be taken over (see {@link #ownerAlive()}). */
    private WeakReference<Thread> ownerThread;
    /** An emptied pool kept for the next new-pool request instead of going back to its arena; 0 if none. */
    long warmPool;
    /** Head of the blocks other threads freed into this heap's pools (linked through each block's first word). */
    @SuppressWarnings("unused") // through REMOTE_FREES
    private volatile long remoteFrees;
    /**
     * Blocks its owner got from the raw allocator through pymalloc, less those it gave back
     * there (either may be another heap's: only the sum over heaps is the count). Written by
     * the owner alone, so without an atomic instruction; read opaquely by statistics.
     */
    @SuppressWarnings("unused") // through RAW_BLOCKS
    private long rawBlocks;
    /** Per size class, the remote frees not yet collected, so statistics can count them as free. */
    private final long[] pending;

    /** A heap whose {@code usedpools} table is the {@code 8 * usedPoolsSize} bytes at {@code usedpools}. */
    Heap(int id, long usedpools, int usedPoolsSize, int nbSmallSizeClasses) {
        this.id = id;
        this.pending = new long[nbSmallSizeClasses];
        this.usedpools = usedpools;
        // Each class's ring starts empty: its fake header sits two pointers before
        // usedpools[2i], so that header's nextpool and prevpool are usedpools[2i] and [2i+1].
        for (int i = 0; i < usedPoolsSize; i += 2) {
            long fake = usedpools + 8L * i - Pymalloc.POOL_NEXTPOOL;
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

    /** Another thread's free of block {@code p} of class {@code szidx}: a lock-free push; the owner collects it later. */
    void pushRemote(long p, int szidx) {
        PENDING.getAndAdd(pending, szidx, 1L);
        long head;
        do {
            head = (long) REMOTE_FREES.getVolatile(this);
            NativeMemory.putLong(p, head);
        } while (!REMOTE_FREES.compareAndSet(this, head, p));
    }

    /** Takes every pending remote free at once (a bulk pop cannot suffer ABA); 0 if none. */
    long takeRemoteFrees() {
        return (long) REMOTE_FREES.getOpaque(this) == 0 ? 0 : (long) REMOTE_FREES.getAndSet(this, 0L);
    }

    /** One taken remote free of class {@code szidx} is being freed by the owner. */
    void collected(int szidx) {
        PENDING.getAndAdd(pending, szidx, -1L);
    }

    /** Remote frees of class {@code szidx} pushed and not yet collected (exact when the heap is quiet). */
    long pending(int szidx) {
        return (long) PENDING.getVolatile(pending, szidx);
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
