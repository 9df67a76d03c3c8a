package io.pymem4j.guard;

import io.pymem4j.spi.UsableSize;
import org.junit.jupiter.api.Test;

import static io.pymem4j.api.PyMemAllocatorDomain.MEM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** What the guard layer does with main's aligned blocks and bounded views: alignedMalloc and usableSize. */
class GuardAlignedBlockTest {

    @Test
    void anAlignedBlockIsNeverSampledEvenWhenEveryBlockIs() {
        GuardFixture f = new GuardFixture("malloc+guard", GuardConfig.SAMPLE, "1");
        GuardAllocator mem = f.allocator(MEM);
        long p = mem.alignedMalloc(256, 100);
        assertEquals(0, p % 256);
        assertFalse(f.hook().inRegion(p));
        assertEquals(0, f.hook().sampledBlocks());
        mem.free(p);
    }

    @Test
    void aLiveSampledBlocksUsableSizeIsItsRequestedSizeAndAFreedOnesIsUnknown() {
        GuardFixture f = GuardFixture.everyBlock();
        GuardAllocator mem = f.allocator(MEM);
        long p = mem.malloc(40);
        assertEquals(40, mem.usableSize(p));
        assertEquals(UsableSize.UNKNOWN, mem.usableSize(p + 8));
        mem.free(p);
        assertEquals(UsableSize.UNKNOWN, mem.usableSize(p));
    }
}
