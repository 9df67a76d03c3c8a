package io.pymem4j.debug;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.spi.LiveBlocks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static io.pymem4j.debug.Fixture.corruption;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The debug layer when its runtime closes (its census, and calls after close over a backend
 * that knows nothing of closing, as a third party's), and its aligned blocks.
 */
class DebugLifetimeTest {

    @Test
    void theCensusCountsTheLiveBlocksWithTheirRequestedSizes() {
        Fixture f = new Fixture();
        long a = f.allocator(PyMemAllocatorDomain.MEM).malloc(10);
        f.allocator(PyMemAllocatorDomain.RAW).malloc(300);
        f.allocator(PyMemAllocatorDomain.OBJ).free(f.allocator(PyMemAllocatorDomain.OBJ).malloc(5));

        LiveBlocks live = f.runtime.closeAndReport().layers().get(0);

        assertEquals(2L, live.blocks());
        assertEquals(310L, live.bytes());
        assertEquals(2, live.sample().size());
        LiveBlocks.Block first = live.sample().stream().filter(b -> b.address() == a).findFirst().orElseThrow();
        assertEquals(new LiveBlocks.Block(PyMemAllocatorDomain.MEM, a, 10, null), first);
    }

    @Test
    void aMallocAfterCloseGivesTheBackendsBlockBackAndThrows() {
        Fixture f = new Fixture();
        DebugAllocator a = f.allocator(PyMemAllocatorDomain.MEM);
        f.runtime.close();
        int before = f.backend.liveBlocks();

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> a.malloc(10));

        assertEquals("debug: the runtime of this layer is closed", e.getMessage());
        assertEquals(before, f.backend.liveBlocks(), "the block the backend made was given back");
    }

    @Test
    void aFreeOrReallocOfAnOldBlockAfterCloseThrowsWithoutReachingTheBackend() {
        Fixture f = new Fixture();
        DebugAllocator a = f.allocator(PyMemAllocatorDomain.OBJ);
        long p = a.malloc(10);
        f.runtime.close();
        int frees = f.backend.frees.get();

        assertThrows(IllegalStateException.class, () -> a.free(p));
        assertThrows(IllegalStateException.class, () -> a.realloc(p, 100));

        assertEquals(frees, f.backend.frees.get());
    }

    // ---------------------------------------------------------------- aligned blocks

    private static PyMemRuntime mallocDebug(String... options) {
        PyMemRuntime.Builder b = PyMemRuntime.builder().allocator("malloc_debug").option("debug.policy", "throw");
        for (int i = 0; i < options.length; i += 2) {
            b.option(options[i], options[i + 1]);
        }
        return b.build();
    }

    @ParameterizedTest
    @ValueSource(longs = {32, 64, 4096})
    void anAlignedBlockCarriesTheDomainsIdInUpperCaseAndItsAlignmentBeforeTheHeader(long alignment) {
        try (PyMemRuntime rt = mallocDebug()) {
            long p = rt.alignedMalloc(PyMemAllocatorDomain.MEM, alignment, 40);
            assertEquals(0L, p % alignment);
            assertEquals((byte) 'M', BlockLayout.readId(p));
            assertEquals(alignment, NativeMemory.getLong(p - BlockLayout.ALIGNMENT_WORD));
            assertEquals(40L, BlockLayout.readSize(p));
            assertEquals(-1L, NativeMemory.findNot(p, 40, BlockLayout.CLEANBYTE));
            rt.memFree(p);
            assertEquals(0, DebugHook.of(rt).orElseThrow().liveBlocks());
        }
    }

    @Test
    void anOverflowOfAnAlignedBlockIsABadTrailingPad() {
        try (PyMemRuntime rt = mallocDebug()) {
            long p = rt.alignedMalloc(PyMemAllocatorDomain.OBJ, 64, 16);
            NativeMemory.putByte(p + 16, (byte) 'x');
            assertEquals(Problem.BAD_TRAILING_PAD, corruption(() -> rt.objectFree(p)).problem());
        }
    }

    @Test
    void anUnderflowOfAnAlignedBlockIsABadLeadingPad() {
        try (PyMemRuntime rt = mallocDebug()) {
            long p = rt.alignedMalloc(PyMemAllocatorDomain.OBJ, 64, 16);
            NativeMemory.putByte(p - 1, (byte) 'x');
            assertEquals(Problem.BAD_LEADING_PAD, corruption(() -> rt.objectFree(p)).problem());
        }
    }

    @Test
    void anAlignedBlockFreedThroughAnotherDomainIsABadId() {
        try (PyMemRuntime rt = mallocDebug()) {
            long p = rt.alignedMalloc(PyMemAllocatorDomain.MEM, 32, 16);
            assertEquals(Problem.BAD_ID, corruption(() -> rt.rawFree(p)).problem());
        }
    }

    @Test
    void anAlignedBlockSkipsTheQuarantineAndItsSecondFreeIsADoubleFree() {
        try (PyMemRuntime rt = mallocDebug("debug.quarantine.bytes", "1m")) {
            DebugHook hook = DebugHook.of(rt).orElseThrow();
            long p = rt.alignedMalloc(PyMemAllocatorDomain.MEM, 64, 100);
            rt.memFree(p);
            assertEquals(0, hook.quarantinedBlocks());
            assertEquals(Problem.DOUBLE_FREE, corruption(() -> rt.memFree(p)).problem());
        }
    }

    @Test
    void anAlignedBlockReallocatedMovesIntoAnOrdinaryBlockKeepingItsData() {
        try (PyMemRuntime rt = mallocDebug()) {
            long p = rt.alignedMalloc(PyMemAllocatorDomain.MEM, 4096, 100);
            NativeMemory.fill(p, 100, (byte) 3);
            long q = rt.memRealloc(p, 50);
            assertEquals((byte) 'm', BlockLayout.readId(q));
            assertEquals(-1L, NativeMemory.findNot(q, 50, (byte) 3));
            assertEquals(Problem.USE_AFTER_FREE, corruption(() -> rt.memRealloc(p, 10)).problem());
            rt.memFree(q);
            assertEquals(0, DebugHook.of(rt).orElseThrow().liveBlocks());
        }
    }
}
