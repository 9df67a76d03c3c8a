package io.pymem4j.guard;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.debug.BlockLayout;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.pymem4j.api.PyMemAllocatorDomain.MEM;
import static io.pymem4j.api.PyMemAllocatorDomain.OBJ;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which blocks the guard samples, and what a sampled block looks like. */
class SamplingTest {

    @Test
    void aSampledBlockHasTheDebugLayout() {
        GuardFixture f = GuardFixture.everyBlock();
        long p = f.allocator(MEM).malloc(5);
        assertTrue(f.hook().inRegion(p));
        assertEquals(0, p % 16, "16-byte aligned");
        assertEquals(5, NativeMemory.getLongBigEndian(p - 16), "size field");
        assertEquals('m', NativeMemory.getByte(p - 8), "API id");
        assertEquals(-1, NativeMemory.findNot(p - 7, 7, BlockLayout.FORBIDDENBYTE), "leading pads");
        assertEquals(-1, NativeMemory.findNot(p, 5, BlockLayout.CLEANBYTE), "data");
        assertEquals(-1, NativeMemory.findNot(p + 5, 8, BlockLayout.FORBIDDENBYTE), "trailing pads");
        assertEquals(1, NativeMemory.getLongBigEndian(p + 13), "serial number");
    }

    @Test
    void aSampledCallocIsZeroedEvenInAReusedSlot() {
        GuardFixture f = GuardFixture.everyBlock(GuardConfig.SLOTS, "1", GuardConfig.QUARANTINE, "0");
        long p = f.allocator(OBJ).malloc(40);
        f.allocator(OBJ).free(p);
        long q = f.allocator(OBJ).calloc(4, 10);
        assertEquals(p, q, "the one slot again");
        assertEquals(-1, NativeMemory.findNot(q, 40, (byte) 0));
    }

    @Test
    void sampleOneSamplesEveryBlockThatFitsASlot() {
        GuardFixture f = GuardFixture.everyBlock();
        for (int i = 0; i < 50; i++) {
            assertTrue(f.hook().inRegion(f.allocator(MEM).malloc(i)));
        }
        assertEquals(50, f.hook().sampledBlocks());
        assertEquals(List.of(), f.backend.returned);
    }

    @Test
    void sampleZeroSamplesNoBlock() {
        GuardFixture f = new GuardFixture("pattern+guard", GuardConfig.SAMPLE, "0");
        for (int i = 0; i < 50; i++) {
            assertFalse(f.hook().inRegion(f.allocator(MEM).malloc(16)));
        }
        assertEquals(0, f.hook().sampledBlocks());
    }

    @Test
    void aBlockLargerThanASlotHoldsPassesDownAndIsCounted() {
        GuardFixture f = GuardFixture.everyBlock(GuardConfig.SLOT_BYTES, "128");
        long fits = f.allocator(MEM).malloc(128 - 32);
        long tooLarge = f.allocator(MEM).malloc(128 - 31);
        assertTrue(f.hook().inRegion(fits));
        assertEquals(f.backend.returned.getLast(), tooLarge);
        assertEquals(1, f.hook().tooLargeBlocks());
    }

    @Test
    void whenEverySlotIsLiveABlockPassesDownAndIsCounted() {
        GuardFixture f = GuardFixture.everyBlock(GuardConfig.SLOTS, "2", GuardConfig.QUARANTINE, "0");
        assertTrue(f.hook().inRegion(f.allocator(MEM).malloc(8)));
        assertTrue(f.hook().inRegion(f.allocator(MEM).malloc(8)));
        long third = f.allocator(MEM).malloc(8);
        assertEquals(f.backend.returned.getLast(), third);
        assertEquals(1, f.hook().unslottedBlocks());
    }

    @Test
    void sampleNextMakesTheThreadsNextBlockSampled() {
        GuardFixture f = new GuardFixture("pattern+guard", GuardConfig.SAMPLE, "1000000000");
        assertFalse(f.hook().inRegion(f.allocator(MEM).malloc(8)));
        f.hook().sampleNext();
        assertTrue(f.hook().inRegion(f.allocator(MEM).malloc(8)));
        assertFalse(f.hook().inRegion(f.allocator(MEM).malloc(8)));
    }

    @Test
    void theSameSeedSamplesTheSameBlocks() {
        assertEquals(sampledIndexes("12345"), sampledIndexes("12345"));
    }

    @Test
    void anotherSeedSamplesOtherBlocks() {
        assertFalse(sampledIndexes("12345").equals(sampledIndexes("54321")));
    }

    private static List<Integer> sampledIndexes(String seed) {
        GuardFixture f = new GuardFixture("pattern+guard", GuardConfig.SAMPLE, "20", GuardConfig.SEED, seed);
        List<Integer> sampled = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            long p = f.allocator(MEM).malloc(16);
            if (f.hook().inRegion(p)) {
                sampled.add(i);
            }
            f.allocator(MEM).free(p);
        }
        return sampled;
    }

    /**
     * The measure of detection: a workload that writes one byte past the end of every
     * block before freeing it gets a report for each sampled block, and the sampled blocks
     * are one in N within the binomial bounds (five standard deviations; the seed makes the
     * count the same on every run).
     */
    @Test
    void overflowingEveryBlockIsReportedForOneBlockInNWithinBinomialBounds() {
        int n = 50;
        int blocks = 20_000;
        GuardFixture f = new GuardFixture("pattern+guard", GuardConfig.SAMPLE, String.valueOf(n),
                GuardConfig.SEED, "2024", GuardConfig.POLICY, "log", GuardConfig.SLOTS, "2048",
                GuardConfig.SLOT_BYTES, "128", GuardConfig.FRAMES, "1");
        GuardAllocator mem = f.allocator(MEM);
        for (int i = 0; i < blocks; i++) {
            int size = 1 + i % 64;
            long p = mem.malloc(size);
            NativeMemory.putByte(p + size, (byte) 0);
            mem.free(p);
        }
        GuardHook g = f.hook();
        double mean = (double) blocks / n;
        double sd = Math.sqrt(blocks * (1.0 / n) * (1 - 1.0 / n));
        long sampled = g.sampledBlocks();
        assertTrue(Math.abs(sampled - mean) <= 5 * sd, sampled + " sampled, expected " + mean + " +- " + 5 * sd);
        assertEquals(sampled, g.problemsFound(), "every sampled block's overflow is reported");
        assertEquals(0, g.unslottedBlocks());
    }
}
