package io.pymem4j.pymalloc;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The addresses of blocks other threads freed into one heap, waiting for its owner: a
 * bounded lock-free queue with many producers (any thread freeing one of the heap's blocks)
 * and one consumer (the heap's owner).
 *
 * <pre>
 *   slots:  [ 0 | 0 | p | q | r | 0 | 0 | ... ]      0 = free slot
 *                    ^head          ^tail
 *   producer: claim position t with one CAS on tail (if t - head &lt; capacity), then store p in slot t
 *   owner:    take slots from head while they are non-zero, zero each, then publish the new head
 * </pre>
 *
 * Why addresses rather than a list linked through the blocks: see the package documentation.
 * A full queue is not an error: the caller falls back to the heap's linked list.
 *
 * <p>A position is claimed only while it is less than {@code capacity} ahead of {@code head},
 * and the owner zeroes a slot before it publishes a head past it, so a claimed slot is always
 * zero. A claimed slot the producer has not yet filled stops the owner there; what follows
 * it waits for the next collection.
 */
final class RemoteFrees {

    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(long[].class);

    /** Slots a heap's queue has: enough for four pools of 64-byte blocks between two collections. */
    static final int CAPACITY = 1024;

    /** Longs around each hot word, so that the producers' tail and the owner's head sit in cache lines of their own. */
    private static final int PAD = 8;

    private final long[] slots;
    private final int mask;
    // head (written by the owner) and tail (by the producers) are two elements of one array,
    // a cache line apart and a cache line away from its header: the JVM keeps an array's
    // elements in order, while it may reorder an object's fields.
    private final long[] counters = new long[4 * PAD];
    /** The owner's own copy of head: only the owner writes head, so it need not read it back. */
    private long ownerHead;
    private static final int HEAD_INDEX = PAD;
    private static final int TAIL_INDEX = 3 * PAD;

    RemoteFrees(int capacity) {
        if (capacity < 2 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two of 2 or more, not " + capacity);
        }
        // Slot 0 and the last slot are written by producers; PAD longs each side keep them
        // off the cache lines of the array header and of whatever the JVM puts next.
        slots = new long[capacity + 2 * PAD];
        mask = capacity - 1;
    }

    /** Any thread: queues block {@code p} (non-zero); false when the queue is full. */
    boolean offer(long p) {
        long[] c = counters;
        while (true) {
            long t = (long) SLOTS.getVolatile(c, TAIL_INDEX);
            if (t - (long) SLOTS.getAcquire(c, HEAD_INDEX) > mask) {
                return false;
            }
            if (SLOTS.compareAndSet(c, TAIL_INDEX, t, t + 1)) {
                SLOTS.setRelease(slots, PAD + (int) (t & mask), p);
                return true;
            }
        }
    }

    /** The owner: whether a block is waiting at the head (a cheap test before {@link #poll}). */
    boolean isEmpty() {
        return (long) SLOTS.getAcquire(slots, PAD + (int) (ownerHead & mask)) == 0;
    }

    /**
     * The owner: takes up to {@code dst.length} waiting blocks in queue order into
     * {@code dst}; returns how many.
     */
    int poll(long[] dst) {
        long h = ownerHead;
        int n = 0;
        while (n < dst.length) {
            int i = PAD + (int) (h & mask);
            long p = (long) SLOTS.getAcquire(slots, i);
            if (p == 0) {
                break;
            }
            SLOTS.setOpaque(slots, i, 0L);
            dst[n++] = p;
            h++;
        }
        if (n != 0) {
            ownerHead = h;
            // Release: the zeroed slots are seen before a producer can claim them again.
            SLOTS.setRelease(counters, HEAD_INDEX, h);
        }
        return n;
    }

    /** Blocks queued and not yet taken; exact only while no thread offers or polls. */
    int size() {
        return (int) ((long) SLOTS.getAcquire(counters, TAIL_INDEX) - (long) SLOTS.getAcquire(counters, HEAD_INDEX));
    }
}
