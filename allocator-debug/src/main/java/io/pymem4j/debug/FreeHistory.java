package io.pymem4j.debug;

/**
 * The last {@code debug.history} frees of all threads together, in a ring (a power of two
 * at least that long, of which the last {@code history} entries count) made at the first
 * flush; entries as {@link PendingFrees}'s. Written and read under its own lock: threads come
 * here once every {@value BlockTable#PENDING} frees, reports when they look a block up.
 */
final class FreeHistory {
    private final int history;
    private final int mask;
    private long[] ring;
    private long written;

    FreeHistory(int history) {
        this.history = history;
        this.mask = (history <= 1 ? 1 : Integer.highestOneBit(history - 1) << 1) - 1;
    }

    synchronized void flush(PendingFrees q, int n) {
        if (ring == null) {
            ring = new long[BlockTable.HISTORY_FIELDS * (mask + 1)];
        }
        for (int k = 0; k < n; k++) {
            System.arraycopy(q.entries, BlockTable.HISTORY_FIELDS * k, ring, BlockTable.HISTORY_FIELDS * (int) (written++ & mask),
                    BlockTable.HISTORY_FIELDS);
        }
    }

    /** The newest entry for {@code p} (of serial {@code serial}, or any when {@code serial < 0}), copied into {@code best}. */
    synchronized void find(long p, long serial, long[] best) {
        if (ring == null) {
            return;
        }
        for (long k = written - 1; k >= 0 && k >= written - history; k--) {
            consider(ring, BlockTable.HISTORY_FIELDS * (int) (k & mask), p, serial, best);
        }
    }

    synchronized long bytes() {
        return ring == null ? 0 : (long) ring.length * Long.BYTES;
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
            System.arraycopy(entries, at, best, 0, BlockTable.HISTORY_FIELDS);
        }
    }
}
