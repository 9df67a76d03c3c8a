package io.pymem4j.debug;

/**
 * The blocks the layer gave back last: each thread's {@linkplain PendingFrees pending frees},
 * and the ring of the last {@code debug.history} frees of all threads together that they are
 * flushed to (a power of two at least that long, of which the last {@code history} entries
 * count, made at the first flush). The ring is written and read under its own lock: threads
 * come here once every {@value #PENDING} frees, reports when they look a block up.
 */
final class FreeHistory {

    /** Each thread's frees not yet moved to the shared ring, at most. */
    static final int PENDING = 16;
    /** An entry: the address, the final meta word, the size, the new address, the traceback ids. */
    static final int FIELDS = 5;

    private final int history;
    private final int mask;
    /** Each thread's frees not yet in the ring. */
    final PerThread<PendingFrees> pending;
    private long[] ring;
    private long written;

    FreeHistory(int history) {
        this.history = history;
        this.mask = (history <= 1 ? 1 : Integer.highestOneBit(history - 1) << 1) - 1;
        int buffer = Math.min(PENDING, history);
        this.pending = new PerThread<>(() -> new PendingFrees(buffer));
    }

    /** Moves the first {@code n} entries of {@code q} into the ring. */
    synchronized void flush(PendingFrees q, int n) {
        if (ring == null) {
            ring = new long[FIELDS * (mask + 1)];
        }
        for (int k = 0; k < n; k++) {
            System.arraycopy(q.entries, FIELDS * k, ring, FIELDS * (int) (written++ & mask), FIELDS);
        }
    }

    /**
     * The free of the block of {@code serial} at {@code p} (of the newest block at {@code p}
     * when {@code serial < 0}) if the ring or a thread's pending frees still hold it, as
     * {@code {p, meta, size, movedTo, tracebacks}}, else null.
     */
    long[] find(long p, long serial) {
        long[] best = new long[FIELDS];
        findInRing(p, serial, best);
        pending.forEach(q -> {
            int n = (int) PendingFrees.COUNT.getOpaque(q);
            for (int k = n - 1; k >= 0; k--) {
                consider(q.entries, FIELDS * k, p, serial, best);
            }
        });
        return best[1] == 0 ? null : best;
    }

    /** The newest entry of the ring for {@code p} (of serial {@code serial}, or any when {@code serial < 0}), copied into {@code best}. */
    private synchronized void findInRing(long p, long serial, long[] best) {
        if (ring == null) {
            return;
        }
        for (long k = written - 1; k >= 0 && k >= written - history; k--) {
            consider(ring, FIELDS * (int) (k & mask), p, serial, best);
        }
    }

    /** The Java heap the history holds: the shared ring and every thread's pending frees. */
    long bytes() {
        long[] n = {ringBytes()};
        pending.forEach(q -> n[0] += (long) q.entries.length * Long.BYTES + 16);
        return n[0];
    }

    private synchronized long ringBytes() {
        return ring == null ? 0 : (long) ring.length * Long.BYTES;
    }

    /** The ids of an allocation and a free traceback, as an entry keeps them (each 0 for none). */
    static long tracebacks(int allocated, int freed) {
        return (long) allocated << 32 | (freed & 0xFFFF_FFFFL);
    }

    /** The allocation traceback id of {@link #tracebacks(int, int)}. */
    static int allocatedAt(long tracebacks) {
        return (int) (tracebacks >>> 32);
    }

    /** The free traceback id of {@link #tracebacks(int, int)}. */
    static int freedAt(long tracebacks) {
        return (int) tracebacks;
    }

    /**
     * Keeps the entry at {@code at} of {@code entries} in {@code best} when it is the free of
     * {@code p}: of serial {@code serial} (the first found), or when {@code serial < 0} the
     * newest block's (the highest serial).
     */
    static void consider(long[] entries, int at, long p, long serial, long[] best) {
        if (entries[at] != p) {
            return;
        }
        long s = entries[at + 1] >>> BlockTable.SERIAL_SHIFT;
        boolean keep = serial >= 0 ? s == serial && best[1] == 0 : best[1] == 0 || s > best[1] >>> BlockTable.SERIAL_SHIFT;
        if (keep) {
            System.arraycopy(entries, at, best, 0, FIELDS);
        }
    }
}
