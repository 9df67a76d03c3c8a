package io.pymem4j.bench;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The JMH suites' precomputed inputs. */
class WorkloadsTest {

    @Test
    void listGrowthIsCpythonsListResizeOfEightBytePointers() {
        assertArrayEquals(new long[] {32, 64, 128, 192, 256, 320, 416, 512, 608, 736, 864, 1024, 1184, 1376, 1600, 1856,
            2144, 2464, 2816, 3200, 3648, 4160}, Workloads.listGrowth());
        assertEquals(Workloads.GROWTH_CALLS, Workloads.listGrowth().length + 1);
    }

    @Test
    void traceSizesAreTheSameDrawEveryTime() {
        int[] population = {1, 2, 3, 4, 5, 6, 7, 8};
        assertArrayEquals(Workloads.drawSizes(population, 100, 7), Workloads.drawSizes(population, 100, 7));
    }

    @Test
    void traceSizesComeFromTheBundledTracesRequests() {
        int[] sizes = Workloads.traceSizes();
        assertEquals(Workloads.SIZES, sizes.length);
        assertTrue(Arrays.stream(sizes).allMatch(s -> s >= 0));
        // compile.pymt: 912,646 of its 1,080,261 requests are of at most 64 bytes (TRACES.md), so most draws are.
        long small = Arrays.stream(sizes).filter(s -> s <= 64).count();
        assertTrue(small > Workloads.SIZES * 0.8 && small < Workloads.SIZES * 0.88, "share of <= 64 B: " + small);
    }

    @Test
    void slotOrderStaysInsideTheLiveSet() {
        assertTrue(Arrays.stream(Workloads.slotOrder(100)).allMatch(s -> s >= 0 && s < 100));
    }
}
