package io.pymem4j.pymalloc;

import io.pymem4j.raw.LibcAllocator;
import io.pymem4j.spi.LiveBlocks;
import io.pymem4j.spi.UsableSize;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pymalloc as a runtime's layer: what it counts when the runtime closes, the usable size it
 * tells from a pool header, and where its aligned blocks come from.
 */
class PymallocLifetimeTest {

    private static Pymalloc pymalloc(CountingRaw raw, CountingArenas arenas, boolean threaded) {
        return new Pymalloc(Geometry.CPYTHON310, raw, arenas, threaded);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void beforeCloseCountsPoolAndRawBlocksAndThePoolBlocksBytes(boolean threaded) {
        CountingArenas arenas = new CountingArenas();
        Pymalloc pm = pymalloc(new CountingRaw(), arenas, threaded);
        pm.malloc(100); // class 112
        pm.malloc(8);
        pm.malloc(10_000); // raw: counted, no size
        pm.free(pm.malloc(30));

        LiveBlocks live = pm.beforeClose();
        pm.close();

        assertEquals(LiveBlocks.counted("pymalloc", 3, 112 + 16), live);
        assertEquals(arenas.allocs, arenas.frees, "every arena unmapped");
        assertNull(pm.beforeClose(), "nothing to count once closed");
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 24, 100, 512})
    void theUsableSizeOfAPoolBlockIsItsSizeClass(long size) {
        Pymalloc pm = pymalloc(new CountingRaw(), new CountingArenas(), true);
        long p = pm.malloc(size);
        long sizeClass = (size + 15) & -16;
        assertEquals(sizeClass, pm.usableSize(p));
        assertEquals(sizeClass - 1, pm.usableSize(p + 1), "from an interior pointer to the block's end");
        assertEquals(UsableSize.UNKNOWN, pm.usableSize((p & ~(Geometry.CPYTHON310.poolSize - 1L)) + 8),
                "a pointer into the pool header");
        pm.free(p);
        pm.close();
    }

    @Test
    void aForeignPointerHasTheRawBackendsAnswerAndAfterCloseIsRefused() {
        Pymalloc pm = pymalloc(new CountingRaw(), new CountingArenas(), true);
        long p = LibcAllocator.INSTANCE.malloc(100);
        assertEquals(UsableSize.UNKNOWN, pm.usableSize(p));
        LibcAllocator.INSTANCE.free(p);
        pm.close();
        assertThrows(IllegalStateException.class, () -> pm.usableSize(p));
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 8, 16})
    void alignmentsUpTo16ComeFromThePools(long alignment) {
        Pymalloc pm = pymalloc(new CountingRaw(), new CountingArenas(), true);
        long p = pm.alignedMalloc(alignment, 40);
        assertTrue(pm.owns(p));
        assertEquals(0L, pm.rawAllocatedBlocks());
        pm.free(p);
        pm.close();
    }

    @ParameterizedTest
    @ValueSource(longs = {32, 64, 4096})
    void aStricterAlignmentNeedsARawBackendThatAligns(long alignment) {
        CountingRaw raw = new CountingRaw();
        Pymalloc pm = pymalloc(raw, new CountingArenas(), true);
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> pm.alignedMalloc(alignment, 40));
        assertEquals("pymalloc: its raw backend " + raw + " cannot align a block to " + alignment + " bytes", e.getMessage());
        pm.close();
    }

    @ParameterizedTest
    @ValueSource(longs = {32, 64, 4096})
    void aStricterAlignmentComesFromTheRawBackendAndCountsAsARawBlock(long alignment) {
        Pymalloc pm = new Pymalloc(Geometry.CPYTHON310, LibcAllocator.INSTANCE, new CountingArenas(), true);
        long p = pm.alignedMalloc(alignment, 40);
        assertEquals(0L, p % alignment);
        assertEquals(1L, pm.rawAllocatedBlocks());
        pm.free(p);
        assertEquals(0L, pm.rawAllocatedBlocks());
        pm.close();
    }
}
