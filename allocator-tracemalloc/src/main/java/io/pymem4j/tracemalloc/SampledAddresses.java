package io.pymem4j.tracemalloc;

import java.util.Arrays;

/**
 * Which addresses may hold a sampled block: the test a free makes before anything else
 * while tracing is sampled, so that freeing one of the many unsampled blocks costs one
 * byte read and no lock.
 *
 * <p>A table of 65536 one-byte counters; address {@code a} counts in counter
 * {@code (a >>> 4) mod 65536} (blocks are 16-byte aligned, so neighbouring blocks use
 * neighbouring counters and a free near recent work reads a cached line). Adding a sampled
 * trace increments its counter and removing it decrements it, under the tracer's lock. A
 * counter of 0 means no sampled block starts in its addresses: "no" is exact, "maybe"
 * sends the free to the locked table lookup, which finds the trace or not. A counter that
 * reaches 255 stays there (it answers "maybe" until the next clear), so no count can wrap.
 *
 * <p>Reads are plain: a thread frees a block that a malloc returned to it, or another
 * thread handed it after that malloc, and the counter's increment happened before the
 * malloc returned, so the free sees it. Counts of other blocks may be read stale; their
 * answer is only ever "maybe" too many or too few for addresses that are not sampled.
 */
final class SampledAddresses {

    private static final int SIZE = 1 << 16;
    private static final byte SATURATED = (byte) 0xFF;

    private final byte[] counts = new byte[SIZE];

    private static int index(long address) {
        return (int) (address >>> 4) & (SIZE - 1);
    }

    /** False when no sampled block starts at {@code address}; true when one may. */
    boolean mayContain(long address) {
        return counts[index(address)] != 0;
    }

    /** A sampled trace was added at {@code address}; under the tracer's lock. */
    void add(long address) {
        int i = index(address);
        if (counts[i] != SATURATED) {
            counts[i]++;
        }
    }

    /** The sampled trace at {@code address} was removed; under the tracer's lock. */
    void remove(long address) {
        int i = index(address);
        if (counts[i] != SATURATED && counts[i] != 0) {
            counts[i]--;
        }
    }

    /** Forgets every address; under the tracer's lock. */
    void clear() {
        Arrays.fill(counts, (byte) 0);
    }

    /** The bytes the table takes on the Java heap. */
    static long memoryUsage() {
        return SIZE + 16L;
    }
}
