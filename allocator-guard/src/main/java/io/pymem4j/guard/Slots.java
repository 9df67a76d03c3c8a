package io.pymem4j.guard;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.spi.BlockTracebacks;

/**
 * The record of the guard layer's reserved region: what each slot holds, which slots are
 * free, which freed blocks wait in quarantine. Plain arrays, no Java object per block but
 * its traceback; every method runs under the lock of this object, which {@link GuardHook}
 * holds.
 *
 * <p>A slot goes NEVER (not used yet) or RELEASED (free, its last block remembered) to LIVE
 * when a block is sampled into it, LIVE to QUARANTINED when that block is freed, QUARANTINED
 * to RELEASED when it leaves the quarantine intact; a block that failed a check makes its
 * slot LEAKED for good. Free slots are taken oldest first, so the address of a freed block
 * is reused as late as possible and a second free of it is still named a double free.
 */
final class Slots {

    static final byte NEVER = 0;
    static final byte LIVE = 1;
    static final byte QUARANTINED = 2;
    static final byte RELEASED = 3;
    static final byte LEAKED = 4;

    private static final PyMemAllocatorDomain[] DOMAINS = PyMemAllocatorDomain.values();

    final long start;
    final long stride;
    final int count;
    /** The most blocks in quarantine. */
    final int limit;

    private final byte[] state;
    private final long[] size;
    private final long[] serial;
    /** The domain that made the block, and the one that freed it (ordinals). */
    private final byte[] made;
    private final byte[] through;
    /** Where a realloc moved the block (0: freed, not moved). */
    private final long[] movedTo;
    private final BlockTracebacks[] traceback;
    /**
     * The tracer's ids of the freed block's allocation and free tracebacks
     * ({@code DebugHook.tracebackIds}; 0 when the stack did not trace): kept until the
     * slot is reused, for the report of a second free or a write after free.
     */
    private final long[] freedIds;

    /** Free slots, oldest first: a ring. */
    private final int[] free;
    private int freeHead;
    private int freeCount;
    /** Quarantined slots, oldest first: a ring. */
    private final int[] queue;
    private int queueHead;
    private int queued;
    private int live;

    Slots(long start, int count, int stride, int limit) {
        this.start = start;
        this.stride = stride;
        this.count = count;
        this.limit = limit;
        this.state = new byte[count];
        this.size = new long[count];
        this.serial = new long[count];
        this.made = new byte[count];
        this.through = new byte[count];
        this.movedTo = new long[count];
        this.traceback = new BlockTracebacks[count];
        this.freedIds = new long[count];
        this.free = new int[count];
        this.queue = new int[count];
        for (int i = 0; i < count; i++) {
            free[i] = i;
        }
        this.freeCount = count;
    }

    /** The slot of an address in the region. */
    int slotOf(long p) {
        return (int) ((p - start) / stride);
    }

    /** Where the block of {@code slot} begins (the debug layout's base; the user pointer is 16 bytes on). */
    long base(int slot) {
        return start + slot * stride;
    }

    byte state(int slot) {
        return state[slot];
    }

    long size(int slot) {
        return size[slot];
    }

    long serial(int slot) {
        return serial[slot];
    }

    PyMemAllocatorDomain made(int slot) {
        return DOMAINS[made[slot]];
    }

    PyMemAllocatorDomain through(int slot) {
        return DOMAINS[through[slot]];
    }

    long movedTo(int slot) {
        return movedTo[slot];
    }

    BlockTracebacks traceback(int slot) {
        return traceback[slot];
    }

    long freedIds(int slot) {
        return freedIds[slot];
    }

    int live() {
        return live;
    }

    int queued() {
        return queued;
    }

    /** The oldest free slot, taken out of the free ones, or -1 when none is free. */
    int take() {
        if (freeCount == 0) {
            return -1;
        }
        int slot = free[freeHead];
        freeHead = (freeHead + 1) % count;
        freeCount--;
        return slot;
    }

    /** A block was made (or resized) in {@code slot}: it is LIVE with this record. */
    void live(int slot, long bytes, long number, PyMemAllocatorDomain domain, BlockTracebacks allocatedAt) {
        if (state[slot] != LIVE) {
            live++;
        }
        state[slot] = LIVE;
        size[slot] = bytes;
        serial[slot] = number;
        made[slot] = (byte) domain.ordinal();
        traceback[slot] = allocatedAt;
    }

    /**
     * The LIVE block of {@code slot} was freed through {@code domain} (moved to {@code to}, or
     * 0), with the tracer's traceback {@code ids}: it joins the quarantine.
     */
    void quarantine(int slot, PyMemAllocatorDomain domain, long to, long ids) {
        live--;
        freedIds[slot] = ids;
        state[slot] = QUARANTINED;
        through[slot] = (byte) domain.ordinal();
        movedTo[slot] = to;
        queue[(queueHead + queued) % count] = slot;
        queued++;
    }

    /** The oldest quarantined slot, taken out of the quarantine, or -1 when it is empty. */
    int oldest() {
        if (queued == 0) {
            return -1;
        }
        int slot = queue[queueHead];
        queueHead = (queueHead + 1) % count;
        queued--;
        return slot;
    }

    /** A slot that left the quarantine intact is free again; its last block is remembered until it is reused. */
    void release(int slot) {
        state[slot] = RELEASED;
        traceback[slot] = null;
        free[(freeHead + freeCount) % count] = slot;
        freeCount++;
    }

    /** The block of {@code slot} failed a check: the slot is never used again. A quarantined one leaves the quarantine. */
    void leak(int slot) {
        if (state[slot] == LIVE) {
            live--;
        } else if (state[slot] == QUARANTINED) {
            int kept = 0;
            for (int i = 0; i < queued; i++) {
                int s = queue[(queueHead + i) % count];
                if (s != slot) {
                    queue[(queueHead + kept) % count] = s;
                    kept++;
                }
            }
            queued = kept;
        }
        state[slot] = LEAKED;
    }
}
