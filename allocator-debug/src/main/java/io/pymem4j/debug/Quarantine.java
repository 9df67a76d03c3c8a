package io.pymem4j.debug;

import io.pymem4j.api.PyMemAllocatorEx;

import java.util.Arrays;

/**
 * Freed blocks held back from the backend, filled with DEADBYTE, first in first out, up to
 * a number of bytes (whole blocks, header and trailer included). A ring of primitive
 * arrays that grows when full, so a free allocates nothing. A block that leaves goes to
 * the {@link Exit}, which checks that every byte is still DEADBYTE. One lock, which the
 * exit runs under: the quarantine is off unless configured.
 */
final class Quarantine {

    /** Where a block goes when it leaves. */
    @FunctionalInterface
    interface Exit {
        /**
         * Checks the block at user pointer {@code p} of {@code total} bytes and gives it to
         * {@code below}; false when it was written after its free (it is then kept from the backend).
         */
        boolean leave(long p, long total, PyMemAllocatorEx below);
    }

    private final long limit;
    private final Exit exit;
    private long[] addresses = new long[16];
    private long[] totals = new long[16];
    private PyMemAllocatorEx[] belows = new PyMemAllocatorEx[16];
    private int head;
    private int count;
    private long bytes;

    Quarantine(long limit, Exit exit) {
        this.limit = limit;
        this.exit = exit;
    }

    /**
     * Adds a freed block, then lets the oldest blocks leave until the rest fit the limit.
     *
     * @return the user pointers of leaving blocks that were written after their free, or null (the usual case)
     */
    synchronized long[] add(long p, long total, PyMemAllocatorEx below) {
        if (count == addresses.length) {
            grow();
        }
        int tail = (head + count) & (addresses.length - 1);
        addresses[tail] = p;
        totals[tail] = total;
        belows[tail] = below;
        count++;
        bytes += total;
        long[] written = null;
        while (bytes > limit) {
            written = leaveOldest(written);
        }
        return written;
    }

    /** Lets every block leave, oldest first; returns the written ones as {@link #add} does. */
    synchronized long[] drain() {
        long[] written = null;
        while (count > 0) {
            written = leaveOldest(written);
        }
        return written;
    }

    synchronized long bytes() {
        return bytes;
    }

    synchronized int blocks() {
        return count;
    }

    private long[] leaveOldest(long[] written) {
        long p = addresses[head];
        long total = totals[head];
        PyMemAllocatorEx below = belows[head];
        belows[head] = null;
        head = (head + 1) & (addresses.length - 1);
        count--;
        bytes -= total;
        if (exit.leave(p, total, below)) {
            return written;
        }
        long[] more = written == null ? new long[1] : Arrays.copyOf(written, written.length + 1);
        more[more.length - 1] = p;
        return more;
    }

    /** Doubles the ring, unrolling it so the oldest block is at index 0. */
    private void grow() {
        int n = addresses.length;
        long[] a = new long[2 * n];
        long[] t = new long[2 * n];
        PyMemAllocatorEx[] b = new PyMemAllocatorEx[2 * n];
        for (int i = 0; i < count; i++) {
            int j = (head + i) & (n - 1);
            a[i] = addresses[j];
            t[i] = totals[j];
            b[i] = belows[j];
        }
        addresses = a;
        totals = t;
        belows = b;
        head = 0;
    }
}
