package io.pymem4j.debug;

import io.pymem4j.api.PyMemAllocatorDomain;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The last N pointers the layer stopped owning, so that a pointer which is not live can be
 * named: a double free, a use after a moving realloc, a block leaked after a report. Bounded
 * (a ring of the most recent fates) and lock-free. A pointer is forgotten when the backend
 * hands its address out again, since it is then a new live block.
 */
final class FreedHistory {

    /** How a block stopped being live. */
    enum Kind {
        /** By debug free. */
        FREED,
        /** By a debug realloc that moved it to {@link Fate#movedTo()}. */
        MOVED,
        /** By a failed check: reported and leaked. */
        LEAKED
    }

    /**
     * @param address the user pointer
     * @param block   what the block was
     * @param kind    how it ended
     * @param through the domain of the call that ended it
     * @param movedTo the new address for {@link Kind#MOVED}, else 0
     */
    record Fate(long address, LiveBlock block, Kind kind, PyMemAllocatorDomain through, long movedTo) {
    }

    private final int capacity;
    private final ConcurrentHashMap<Long, Fate> byAddress;
    private final AtomicReferenceArray<Fate> ring;
    private final AtomicLong cursor = new AtomicLong();

    FreedHistory(int requested) {
        this.capacity = requested <= 0 ? 0
                : Integer.bitCount(requested) == 1 ? requested : Integer.highestOneBit(requested) << 1;
        this.byAddress = new ConcurrentHashMap<>();
        this.ring = new AtomicReferenceArray<>(capacity);
    }

    /** How many fates are kept at most (a power of two, or 0). */
    int capacity() {
        return capacity;
    }

    void remember(Fate fate) {
        if (capacity == 0) {
            return;
        }
        byAddress.put(fate.address(), fate);
        Fate evicted = ring.getAndSet((int) (cursor.getAndIncrement() & (capacity - 1)), fate);
        if (evicted != null) {
            byAddress.remove(evicted.address(), evicted);
        }
    }

    /** The address is a live block again. */
    void forget(long address) {
        if (capacity != 0) {
            byAddress.remove(address);
        }
    }

    /** The last fate of the block at {@code address}, or null. */
    Fate lookup(long address) {
        return byAddress.get(address);
    }
}
