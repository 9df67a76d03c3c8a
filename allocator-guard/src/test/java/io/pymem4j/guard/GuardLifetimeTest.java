package io.pymem4j.guard;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.debug.MemoryCorruptionError;
import io.pymem4j.debug.Problem;
import io.pymem4j.spi.LiveBlocks;
import org.junit.jupiter.api.Test;

import static io.pymem4j.api.PyMemAllocatorDomain.MEM;
import static io.pymem4j.api.PyMemAllocatorDomain.OBJ;
import static io.pymem4j.api.PyMemAllocatorDomain.RAW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The guard layer when its runtime closes: its census, the last checks, and calls after close. */
class GuardLifetimeTest {

    private static LiveBlocks guardLayer(GuardFixture f) {
        return f.runtime.closeAndReport().layers().stream()
                .filter(l -> l.layer().equals(GuardHookProvider.NAME)).findFirst().orElseThrow();
    }

    @Test
    void theCensusCountsTheLiveSampledBlocksWithTheirRequestedSizes() {
        GuardFixture f = GuardFixture.everyBlock();
        long a = f.allocator(MEM).malloc(10);
        f.allocator(RAW).malloc(300);
        f.allocator(OBJ).free(f.allocator(OBJ).malloc(5));

        LiveBlocks live = guardLayer(f);

        assertEquals(2L, live.blocks());
        assertEquals(310L, live.bytes());
        LiveBlocks.Block first = live.sample().stream().filter(b -> b.address() == a).findFirst().orElseThrow();
        assertEquals(MEM, first.domain());
        assertEquals(10L, first.size());
        assertEquals(1, first.traceback().size(), "guard.frames=1 keeps one frame of the allocation");
    }

    @Test
    void aQuarantinedBlockWrittenAfterItsFreeIsReportedWhenTheRuntimeCloses() {
        GuardFixture f = GuardFixture.everyBlock();
        long p = f.allocator(MEM).malloc(24);
        f.allocator(MEM).free(p);
        NativeMemory.putByte(p + 3, (byte) 7);

        MemoryCorruptionError e = assertThrows(MemoryCorruptionError.class, f.runtime::close);

        assertEquals(Problem.WRITE_AFTER_FREE, e.problem());
    }

    @Test
    void anOverflowOfABlockNeverFreedIsReportedWhenTheRuntimeCloses() {
        GuardFixture f = GuardFixture.everyBlock();
        long p = f.allocator(OBJ).malloc(16);
        NativeMemory.putByte(p + 16, (byte) 0);

        MemoryCorruptionError e = assertThrows(MemoryCorruptionError.class, f.runtime::close);

        assertEquals(Problem.BAD_TRAILING_PAD, e.problem());
    }

    @Test
    void aFreeOfASampledBlockAfterCloseThrowsWithoutTouchingTheRegion() {
        GuardFixture f = GuardFixture.everyBlock();
        GuardAllocator a = f.allocator(MEM);
        long p = a.malloc(32);
        f.runtime.close();

        IllegalStateException free = assertThrows(IllegalStateException.class, () -> a.free(p));
        assertThrows(IllegalStateException.class, () -> a.realloc(p, 64));

        assertEquals("guard: the runtime of this layer is closed", free.getMessage());
    }

    @Test
    void aSampledMallocAfterCloseThrows() {
        GuardFixture f = GuardFixture.everyBlock();
        GuardAllocator a = f.allocator(MEM);
        f.runtime.close();

        assertThrows(IllegalStateException.class, () -> a.malloc(8));
    }
}
