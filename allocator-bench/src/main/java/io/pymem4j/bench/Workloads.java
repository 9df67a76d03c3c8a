package io.pymem4j.bench;

import io.pymem4j.replay.TraceCursor;
import io.pymem4j.replay.TraceFile;
import io.pymem4j.replay.TraceOp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The precomputed inputs of the JMH suites, so that their measured loops only index arrays:
 * request sizes drawn from a real trace, and the sizes a growing CPython list asks for.
 */
public final class Workloads {

    /** Sizes in {@link #traceSizes()}: a power of two, so a step wraps with a mask. */
    public static final int SIZES = 1 << 16;
    /** Seed of every draw, so that each fork and run measures the same sequence. */
    public static final long SEED = 20240611L;
    /** Calls one list growth makes: the first malloc, the reallocs, the free ({@link #listGrowth()}). */
    public static final int GROWTH_CALLS = 23;
    /** The list length {@link #listGrowth()} grows to, in 8-byte items. */
    public static final int GROWTH_ITEMS = 512;

    private static volatile int[] traceSizes;

    private Workloads() {
    }

    /**
     * {@value #SIZES} request sizes drawn uniformly, with {@link #SEED}, from every request
     * (malloc, calloc as nelem x elsize, realloc) of the bundled compile trace, all domains:
     * the size mix a CPython process asks its allocators for. Read once per JVM.
     */
    public static int[] traceSizes() {
        int[] s = traceSizes;
        if (s == null) {
            synchronized (Workloads.class) {
                s = traceSizes;
                if (s == null) {
                    s = drawSizes(requestSizes(), SIZES, SEED);
                    traceSizes = s;
                }
            }
        }
        return s;
    }

    /** {@code count} draws from {@code population}, uniform with {@code seed}. */
    static int[] drawSizes(int[] population, int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            out[i] = population[random.nextInt(population.length)];
        }
        return out;
    }

    /** Every request size of the bundled trace, in event order (sizes above 2^31-1 capped: there are none). */
    private static int[] requestSizes() {
        try (TraceCursor c = TraceCursor.open(TraceFile.openBundled())) {
            int[] sizes = new int[1 << 20];
            int n = 0;
            while (c.next()) {
                if (c.op() != TraceOp.FREE) {
                    if (n == sizes.length) {
                        sizes = Arrays.copyOf(sizes, n * 2);
                    }
                    sizes[n++] = (int) Math.min(c.size(), Integer.MAX_VALUE);
                }
            }
            return Arrays.copyOf(sizes, n);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the bundled trace", e);
        }
    }

    /** A random slot in {@code [0, slots)} per step, {@value #SIZES} steps, with {@link #SEED}. */
    public static int[] slotOrder(int slots) {
        SplittableRandom random = new SplittableRandom(SEED + 1);
        int[] order = new int[SIZES];
        for (int i = 0; i < order.length; i++) {
            order[i] = random.nextInt(slots);
        }
        return order;
    }

    /**
     * The block sizes a CPython list of 8-byte pointers asks for while it is appended to from
     * empty to {@value #GROWTH_ITEMS} items: {@code list_resize}'s over-allocation, new
     * capacity {@code (n + (n >> 3) + 6) & ~3} when an append finds the list full. The first
     * is the malloc, the others are reallocs.
     */
    public static long[] listGrowth() {
        long[] sizes = new long[GROWTH_CALLS - 1];
        int count = 0;
        long allocated = 0;
        for (long n = 1; n <= GROWTH_ITEMS; n++) {
            if (n > allocated) {
                allocated = (n + (n >> 3) + 6) & ~3L;
                sizes[count++] = allocated * Long.BYTES;
            }
        }
        if (count != sizes.length) {
            throw new IllegalStateException("list growth makes " + count + " allocations, not " + sizes.length);
        }
        return sizes;
    }
}
