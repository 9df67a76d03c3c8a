package io.pymem4j.tracemalloc;

/**
 * The set of tracebacks the tracer has captured, so that every trace from one call path
 * holds the same instance (CPython's {@code tracebacks} hashtable). Open addressing over
 * {@link Traceback#hashCode()} mixed with the total frame count; a lookup compares the
 * captured frames in place, without building a key. Guarded by the tracer's lock.
 */
final class TracebackInterner {

    private static final int INITIAL_CAPACITY = 64;

    private Traceback[] slots = new Traceback[INITIAL_CAPACITY];
    private int count;
    private long frameCount;

    /** The interned traceback of the frames {@code c} captured, with total {@code total}. */
    Traceback intern(StackCapture c, int total) {
        if (c.count == 0) {
            return Traceback.UNKNOWN;
        }
        int mask = slots.length - 1;
        int i = mix(c.hash, total) & mask;
        for (Traceback t; (t = slots[i]) != null; i = (i + 1) & mask) {
            if (t.hashCode() == c.hash && t.rawTotal() == total && sameFrames(t, c)) {
                return t;
            }
        }
        Traceback t = Traceback.captured(c.frames, c.count, total);
        slots[i] = t;
        count++;
        frameCount += c.count;
        if (count * 2 > slots.length) {
            grow();
        }
        return t;
    }

    private static boolean sameFrames(Traceback t, StackCapture c) {
        if (t.size() != c.count) {
            return false;
        }
        for (int k = 0; k < c.count; k++) {
            if (!t.recentIs(k, c.frames[k])) {
                return false;
            }
        }
        return true;
    }

    private static int mix(int hash, int total) {
        int h = hash ^ (total * 0x9E3779B9);
        return h ^ (h >>> 16);
    }

    private void grow() {
        Traceback[] old = slots;
        slots = new Traceback[old.length * 2];
        int mask = slots.length - 1;
        for (Traceback t : old) {
            if (t != null) {
                int i = mix(t.hashCode(), t.rawTotal()) & mask;
                while (slots[i] != null) {
                    i = (i + 1) & mask;
                }
                slots[i] = t;
            }
        }
    }

    int size() {
        return count;
    }

    /** An estimate: the slot array, and per traceback its object (32 bytes) and frame array. */
    long memoryUsage() {
        return 16L + slots.length * 4L + count * (32L + 16L) + frameCount * 4L;
    }

    void clear() {
        slots = new Traceback[INITIAL_CAPACITY];
        count = 0;
        frameCount = 0;
    }
}
