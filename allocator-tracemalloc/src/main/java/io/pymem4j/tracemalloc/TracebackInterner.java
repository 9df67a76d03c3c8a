package io.pymem4j.tracemalloc;

import java.util.ArrayList;
import java.util.List;

/**
 * The set of tracebacks the tracer has captured, so that every trace from one call path
 * holds the same instance (CPython's {@code tracebacks} hashtable). Open addressing over
 * {@link Traceback#hashCode()} mixed with the total frame count; a lookup compares the
 * captured frames in place, without building a key. Guarded by the tracer's lock.
 *
 * <p>Each interned traceback also gets an id, an {@code int} another layer keeps instead of
 * the traceback (the debug layer's record of freed blocks: see
 * {@link io.pymem4j.spi.BlockTracebacks}). Ids count up from 1 across {@link #clear()}s, so
 * an id from before a clear is no longer found rather than naming another traceback (they
 * start again from 1 only after about a billion tracebacks); 0 is no traceback.
 */
final class TracebackInterner {

    private static final int INITIAL_CAPACITY = 64;
    /** Ids start again from 1 when a clear finds them past this. */
    private static final int ID_WRAP = 1 << 30;

    private Traceback[] slots = new Traceback[INITIAL_CAPACITY];
    private int[] slotIds = new int[INITIAL_CAPACITY];
    private int count;
    private long frameCount;
    /** The tracebacks by id, from {@link #firstId}. */
    private final List<Traceback> byId = new ArrayList<>();
    private int firstId = 1;
    /** The id of the traceback the last {@link #intern} returned (0 for {@link Traceback#UNKNOWN}). */
    private int lastId;

    /** The interned traceback of the frames {@code c} captured, with total {@code total}; its id is then {@link #lastId()}. */
    Traceback intern(StackCapture c, int total) {
        if (c.count == 0) {
            lastId = 0;
            return Traceback.UNKNOWN;
        }
        int mask = slots.length - 1;
        int i = mix(c.hash, total) & mask;
        for (Traceback t; (t = slots[i]) != null; i = (i + 1) & mask) {
            if (t.hashCode() == c.hash && t.rawTotal() == total && sameFrames(t, c)) {
                lastId = slotIds[i];
                return t;
            }
        }
        Traceback t = Traceback.captured(c.frames, c.count, total);
        int id = firstId + byId.size();
        byId.add(t);
        slots[i] = t;
        slotIds[i] = id;
        lastId = id;
        count++;
        frameCount += c.count;
        if (count * 2 > slots.length) {
            grow();
        }
        return t;
    }

    /** The id of the traceback the last {@link #intern} returned. */
    int lastId() {
        return lastId;
    }

    /** The id of the interned traceback {@code t}, or 0 when {@code t} is not one of this set's. */
    int idOf(Traceback t) {
        if (t == null) {
            return 0;
        }
        int mask = slots.length - 1;
        for (int i = mix(t.hashCode(), t.rawTotal()) & mask; slots[i] != null; i = (i + 1) & mask) {
            if (slots[i] == t) {
                return slotIds[i];
            }
        }
        return 0;
    }

    /** The traceback of {@code id}, or null when it is not one of this set's (0, or from before a clear). */
    Traceback byId(int id) {
        long k = (long) id - firstId;
        return k >= 0 && k < byId.size() ? byId.get((int) k) : null;
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
        int[] oldIds = slotIds;
        slots = new Traceback[old.length * 2];
        slotIds = new int[old.length * 2];
        int mask = slots.length - 1;
        for (int k = 0; k < old.length; k++) {
            Traceback t = old[k];
            if (t != null) {
                int i = mix(t.hashCode(), t.rawTotal()) & mask;
                while (slots[i] != null) {
                    i = (i + 1) & mask;
                }
                slots[i] = t;
                slotIds[i] = oldIds[k];
            }
        }
    }

    int size() {
        return count;
    }

    /** An estimate: the slot and id arrays, and per traceback its object (32 bytes), frame array and id entry. */
    long memoryUsage() {
        return 16L + slots.length * 8L + count * (32L + 16L + 4L) + frameCount * 4L;
    }

    void clear() {
        slots = new Traceback[INITIAL_CAPACITY];
        slotIds = new int[INITIAL_CAPACITY];
        count = 0;
        frameCount = 0;
        long next = (long) firstId + byId.size();
        firstId = next > ID_WRAP ? 1 : (int) next;
        byId.clear();
        lastId = 0;
    }
}
