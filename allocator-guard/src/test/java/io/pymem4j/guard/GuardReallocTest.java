package io.pymem4j.guard;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.debug.BlockLayout;
import io.pymem4j.debug.MemoryCorruptionError;
import io.pymem4j.debug.Problem;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.pymem4j.api.PyMemAllocatorDomain.MEM;
import static io.pymem4j.guard.GuardFixture.corruption;
import static io.pymem4j.guard.GuardFixture.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** realloc across the guard's boundary: in a slot, out of it, and of blocks it did not sample. */
class GuardReallocTest {

    @Test
    void growingASampledBlockWithinItsSlotKeepsItsPointerAndData() {
        GuardFixture f = GuardFixture.everyBlock();
        GuardAllocator mem = f.allocator(MEM);
        long p = mem.malloc(10);
        NativeMemory.fill(p, 10, (byte) 7);
        long q = mem.realloc(p, 100);
        assertEquals(p, q);
        assertEquals(-1, NativeMemory.findNot(q, 10, (byte) 7), "data kept");
        assertEquals(-1, NativeMemory.findNot(q + 10, 90, BlockLayout.CLEANBYTE), "growth is CLEANBYTE");
        assertEquals(100, NativeMemory.getLongBigEndian(q - 16), "size field");
        assertEquals(-1, NativeMemory.findNot(q + 100, 8, BlockLayout.FORBIDDENBYTE), "trailing pads moved");
        mem.free(q);
        assertEquals(0, f.hook().problemsFound());
    }

    @Test
    void shrinkingASampledBlockMovesItsTrailerAndIsCheckedAtTheNewSize() {
        GuardFixture f = GuardFixture.everyBlock();
        GuardAllocator mem = f.allocator(MEM);
        long p = mem.realloc(mem.malloc(100), 10);
        NativeMemory.putByte(p + 10, (byte) 0);
        assertEquals(Problem.BAD_TRAILING_PAD, corruption(() -> mem.free(p)).problem());
    }

    @Test
    void growingASampledBlockPastASlotMovesItBelowWithItsData() {
        GuardFixture f = GuardFixture.everyBlock(GuardConfig.SLOT_BYTES, "256");
        GuardAllocator mem = f.allocator(MEM);
        long p = mem.malloc(200);
        NativeMemory.fill(p, 200, (byte) 9);
        long q = mem.realloc(p, 1000);
        assertEquals(f.backend.returned.getLast(), q);
        assertEquals(-1, NativeMemory.findNot(q, 200, (byte) 9));
        assertEquals(1, f.hook().quarantinedBlocks(), "the slot is freed as by a free");
        mem.free(q);
        assertEquals(List.of(q), f.backend.freed);
    }

    @Test
    void freeingTheOldPointerOfAMovedBlockNamesTheMove() {
        GuardFixture f = GuardFixture.everyBlock(GuardConfig.SLOT_BYTES, "256");
        GuardAllocator mem = f.allocator(MEM);
        long p = mem.malloc(200);
        long q = mem.realloc(p, 1000);
        MemoryCorruptionError e = corruption(() -> mem.free(p));
        assertEquals(Problem.DOUBLE_FREE, e.problem());
        assertTrue(e.report().contains("    was moved to p=" + hex(q) + " by a debug realloc through API 'm', which freed it.\n"),
                e.report());
    }

    @Test
    void reallocOfNullIsANewBlockAndCanBeSampled() {
        GuardFixture f = GuardFixture.everyBlock();
        long p = f.allocator(MEM).realloc(0, 30);
        assertTrue(f.hook().inRegion(p));
        assertEquals(30, NativeMemory.getLongBigEndian(p - 16));
    }

    @Test
    void reallocOfACorruptSampledBlockIsReportedAndUnderLogReturnsNull() {
        GuardFixture f = GuardFixture.everyBlock(GuardConfig.POLICY, "log");
        GuardAllocator mem = f.allocator(MEM);
        long p = mem.malloc(16);
        NativeMemory.putByte(p - 3, (byte) 0);
        assertEquals(0, mem.realloc(p, 64));
        assertEquals(1, f.hook().problemsFound());
        assertEquals(0, f.hook().liveBlocks(), "leaked, no longer live");
    }

    @Test
    void aCorruptSampledBlockReportsTheReallocFunction() {
        GuardFixture f = GuardFixture.everyBlock();
        GuardAllocator mem = f.allocator(MEM);
        long p = mem.malloc(16);
        NativeMemory.putByte(p - 3, (byte) 0);
        assertEquals("Fatal Python error: _PyMem_DebugRawRealloc: bad leading pad byte",
                corruption(() -> mem.realloc(p, 64)).fatalError());
    }

    @Test
    void aReallocThatCannotBeServedLeavesTheSampledBlockAsItWas() {
        GuardFixture f = GuardFixture.everyBlock();
        GuardAllocator mem = f.allocator(MEM);
        long p = mem.malloc(16);
        NativeMemory.fill(p, 16, (byte) 3);
        assertEquals(0, mem.realloc(p, 1L << 40));
        assertEquals(0, mem.realloc(p, -1));
        assertEquals(-1, NativeMemory.findNot(p, 16, (byte) 3));
        mem.free(p);
        assertEquals(0, f.hook().problemsFound());
        assertFalse(f.hook().inRegion(0));
    }
}
