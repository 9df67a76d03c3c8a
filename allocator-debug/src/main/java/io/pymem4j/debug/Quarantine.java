package io.pymem4j.debug;

import io.pymem4j.api.PyMemAllocatorEx;

import java.util.Arrays;

/**
 * Freed blocks held back from the backend, filled with DEADBYTE, first in first out, up to
 * a number of bytes (whole blocks, header and trailer included), each with the ids of its
 * allocation and free tracebacks (for the report of a write after free). A ring of primitive
 * arrays that grows when full, so a free allocates nothing. A block that leaves goes to
 * the {@link Exit}, which checks that every byte is still DEADBYTE. One lock, which the
 * exit runs under.
 */
final class Quarantine {

    /** Where a block goes when it leaves. */
    @FunctionalInterface
    interface Exit {
        /**
         * Checks the block at user pointer {@code p} of {@code total} bytes and gives it to
         * {@code below}; false when it was written after its free (it is then kept from the backend).
         */
        boolean leave(long p, long total, PyMemAllocatorEx below, long tracebacks);
    }

    private final long limit;
    private final Exit exit;
    private long[] addresses = new long[16];
    private long[] totals = new long[16];
    private long[] tracebacks = new long[16];
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
     * @param tracebacks the ids of its allocation and free tracebacks ({@link FreeHistory#tracebacks(int, int)})
     * @return the blocks that left written after their free, as pairs of user pointer and
     *         traceback ids, or null (the usual case)
     */
    synchronized long[] add(long p, long total, PyMemAllocatorEx below, long tracebacks) {
        if (count == addresses.length) {
            grow();
        }
        int tail = (head + count) & (addresses.length - 1);
        addresses[tail] = p;
        totals[tail] = total;
        this.tracebacks[tail] = tracebacks;
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

    /** The traceback ids of the quarantined block at {@code p}, or 0 when it is not here (a scan, for reports). */
    synchronized long tracebacksOf(long p) {
        for (int i = 0; i < count; i++) {
            int j = (head + i) & (addresses.length - 1);
            if (addresses[j] == p) {
                return tracebacks[j];
            }
        }
        return 0;
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
        long ids = tracebacks[head];
        PyMemAllocatorEx below = belows[head];
        belows[head] = null;
        head = (head + 1) & (addresses.length - 1);
        count--;
        bytes -= total;
        if (exit.leave(p, total, below, ids)) {
            return written;
        }
        long[] more = written == null ? new long[2] : Arrays.copyOf(written, written.length + 2);
        more[more.length - 2] = p;
        more[more.length - 1] = ids;
        return more;
    }

    /** Doubles the ring, unrolling it so the oldest block is at index 0. */
    private void grow() {
        int n = addresses.length;
        long[] a = new long[2 * n];
        long[] t = new long[2 * n];
        long[] ids = new long[2 * n];
        PyMemAllocatorEx[] b = new PyMemAllocatorEx[2 * n];
        for (int i = 0; i < count; i++) {
            int j = (head + i) & (n - 1);
            a[i] = addresses[j];
            t[i] = totals[j];
            ids[i] = tracebacks[j];
            b[i] = belows[j];
        }
        addresses = a;
        totals = t;
        tracebacks = ids;
        belows = b;
        head = 0;
    }
}
