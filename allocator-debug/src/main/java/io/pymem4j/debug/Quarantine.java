package io.pymem4j.debug;

import io.pymem4j.api.PyMemAllocatorEx;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Freed blocks held back from the backend, filled with DEADBYTE, first in first out, up to
 * a number of bytes (whole blocks, header and trailer included). A block that leaves is
 * checked by the caller: any byte that is no longer DEADBYTE was written after the free.
 * One lock: the quarantine is off unless configured, and a debug free is not a fast path.
 */
final class Quarantine {

    /**
     * A freed block.
     *
     * @param p     the user pointer
     * @param block what the block was
     * @param total its bytes, header and trailer included
     * @param below the allocator that gets it when it leaves
     */
    record Entry(long p, LiveBlock block, long total, PyMemAllocatorEx below) {
    }

    private final long limit;
    private final ArrayDeque<Entry> fifo = new ArrayDeque<>();
    private long bytes;

    Quarantine(long limit) {
        this.limit = limit;
    }

    /** Adds a block; returns the blocks that must leave to stay within the limit (oldest first), or an empty list. */
    synchronized List<Entry> add(Entry e) {
        fifo.addLast(e);
        bytes += e.total();
        if (bytes <= limit) {
            return List.of();
        }
        List<Entry> out = new ArrayList<>(2);
        while (bytes > limit) {
            Entry old = fifo.removeFirst();
            bytes -= old.total();
            out.add(old);
        }
        return out;
    }

    /** Removes every block, oldest first. */
    synchronized List<Entry> drain() {
        List<Entry> out = new ArrayList<>(fifo);
        fifo.clear();
        bytes = 0;
        return out;
    }

    synchronized long bytes() {
        return bytes;
    }

    synchronized int blocks() {
        return fifo.size();
    }
}
