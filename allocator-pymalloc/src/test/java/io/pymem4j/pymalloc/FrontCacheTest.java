package io.pymem4j.pymalloc;

import io.pymem4j.api.AllocatorSetupException;
import io.pymem4j.api.NativeMemory;
import io.pymem4j.runtime.PyMemRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.Callable;
import java.util.concurrent.FutureTask;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The threaded heaps' front cache: blocks a thread frees wait in a stack per size class
 * and go out again before the pools see them, and go back to the pools in collect, when
 * their thread has ended, half a class at a time when the class is full, and all at once
 * when the heap's last block is freed after real work.
 */
class FrontCacheTest {

    private static final int REF_COUNT = 0;
    private static final int SZIDX_64 = 3;
    private static final int SZIDX_512 = 31;
    /** The bound of the 64-byte class: 8 KiB of blocks, capped at 63. */
    private static final int BOUND_64 = 63;
    /** A refill takes half the bound besides the block it returns. */
    private static final int REFILL_64 = 31;

    private final CountingRaw raw = new CountingRaw();
    private final CountingArenas arenas = new CountingArenas();
    private final Pymalloc pm = new Pymalloc(Geometry.CPYTHON310, raw, arenas, true, true);

    @AfterEach
    void close() {
        pm.close();
    }

    private long poolOf(long p) {
        return p & ~pm.geometry().poolSizeMask;
    }

    /** Blocks the pool of {@code p} counts as handed out, cached ones included. */
    private int refCount(long p) {
        return NativeMemory.getInt(poolOf(p) + REF_COUNT);
    }

    private long cached(int szidx) {
        return pm.cachedBlocks()[szidx];
    }

    private long inUse(int szidx) {
        return pm.stats().classes().get(szidx).blocksInUse();
    }

    private static <T> T onNewThread(Callable<T> task) throws Exception {
        FutureTask<T> f = new FutureTask<>(task);
        Thread t = new Thread(f);
        t.start();
        t.join();
        return f.get();
    }

    @Test
    void theBoundOfAClassIsEightKibOfBlocksBetweenSixteenAndSixtyThree() {
        assertEquals(63, BlockCache.limit(Geometry.CPYTHON310, 0));
        assertEquals(BOUND_64, BlockCache.limit(Geometry.CPYTHON310, SZIDX_64));
        assertEquals(32, BlockCache.limit(Geometry.CPYTHON310, 15));
        assertEquals(16, BlockCache.limit(Geometry.CPYTHON310, SZIDX_512));
    }

    @Test
    void aRefillTakesHalfTheBoundFromThePoolAndHandsThemOutInThePoolsOrder() {
        long first = pm.malloc(64);
        assertEquals(REFILL_64, cached(SZIDX_64));
        assertEquals(1 + REFILL_64, refCount(first), "the pool counts the cached blocks as handed out");
        assertEquals(first + 64, pm.malloc(64));
        assertEquals(first + 128, pm.malloc(64));
        assertEquals(3, inUse(SZIDX_64), "statistics count cached blocks as free");
    }

    @Test
    void aFreedBlockGoesOutAgainFromTheCacheWithoutItsPoolSeeingIt() {
        long keep = pm.malloc(64);
        long p = pm.malloc(64);
        int count = refCount(p);
        pm.free(p);
        assertEquals(count, refCount(p), "the free did not reach the pool");
        assertEquals(1, inUse(SZIDX_64));
        assertEquals(p, pm.malloc(64), "last freed, first out");
        assertEquals(count, refCount(p));
        pm.free(p);
        pm.free(keep);
    }

    @Test
    void collectGivesTheCachedBlocksBackToTheirPools() {
        long keep = pm.malloc(64);
        pm.free(pm.malloc(64));
        pm.collect();
        assertEquals(0, cached(SZIDX_64));
        assertEquals(1, refCount(keep), "only the live block is still handed out");
        assertEquals(1, inUse(SZIDX_64));
        pm.free(keep);
    }

    @Test
    void theCacheOfAThreadThatEndedGoesBackToItsPoolsWhenItsHeapIsDisowned() throws Exception {
        long[] b = onNewThread(() -> {
            long live = pm.malloc(64);
            pm.free(pm.malloc(64));
            return new long[]{live};
        });
        assertEquals(REFILL_64, cached(SZIDX_64), "the ended thread's cache still holds its blocks");
        assertEquals(1 + REFILL_64, refCount(b[0]));
        pm.collect();
        assertEquals(0, cached(SZIDX_64));
        assertEquals(1, refCount(b[0]));
        pm.free(b[0]);
        assertEquals(0, pm.stats().allocatedBlocks());
    }

    @Test
    void aNewThreadTakingOverAnEndedThreadsHeapFindsItsCacheEmptied() throws Exception {
        long live = onNewThread(() -> {
            long p = pm.malloc(64);
            pm.free(pm.malloc(64));
            return p;
        });
        long[] seen = onNewThread(() -> {
            pm.free(pm.malloc(16)); // the first request takes the ended thread's heap over
            return new long[]{pm.cachedBlocks()[SZIDX_64], refCount(live)};
        });
        assertEquals(0, seen[0], "the heap's cache went back to its pools before the new thread took it");
        assertEquals(1, seen[1]);
        pm.free(live);
    }

    @Test
    void aBlockFreedByAnotherThreadGoesToItsOwnerAndNotIntoTheFreeingThreadsCache() throws Exception {
        long keep = pm.malloc(64);
        long p = pm.malloc(64);
        long before = cached(SZIDX_64);
        onNewThread(() -> {
            pm.malloc(64); // the freeing thread has a heap and a cache of its own for the class
            pm.free(p);
            return null;
        });
        assertEquals(before + REFILL_64, cached(SZIDX_64), "the other thread cached only its own refill");
        assertEquals(2, inUse(SZIDX_64), "keep and the other thread's block: the remote free counts as free");
        for (int k = 0; k < before; k++) {
            assertNotEquals(p, pm.malloc(64), "not reused before its owner collects it");
        }
        pm.collect();
        assertEquals(1 + (int) before, refCount(keep), "keep and the blocks just taken; p is back in the pool");
    }

    @Test
    void aFullClassSendsItsOlderHalfBackToThePoolsAndKeepsTheNewerOnes() {
        long[] blocks = new long[100];
        for (int k = 0; k < blocks.length; k++) {
            blocks[k] = pm.malloc(64);
        }
        pm.collect();
        assertEquals(100, refCount(blocks[0]));
        for (int k = 0; k < BOUND_64; k++) {
            pm.free(blocks[k]);
        }
        assertEquals(BOUND_64, cached(SZIDX_64));
        assertEquals(100, refCount(blocks[0]), "a class up to its bound keeps every block from the pool");
        pm.free(blocks[BOUND_64]);
        assertEquals(BOUND_64 - BOUND_64 / 2 + 1, cached(SZIDX_64));
        assertEquals(100 - BOUND_64 / 2, refCount(blocks[0]), "the older half went back");
        assertEquals(blocks[BOUND_64], pm.malloc(64), "the newest block is still on top");
        assertEquals(blocks[BOUND_64 - 1], pm.malloc(64));
    }

    @Test
    void aHeapWhoseEveryBlockIsFreedGivesItsArenasBackWithoutCollect() {
        int perArena = 63 * pm.geometry().numBlocks(SZIDX_512);
        long[] blocks = new long[3 * perArena];
        for (int k = 0; k < blocks.length; k++) {
            blocks[k] = pm.malloc(512);
        }
        assertTrue(arenas.live() >= 3, "the blocks took three arenas or more: " + arenas.live());
        for (long p : blocks) {
            pm.free(p);
        }
        assertEquals(0, cached(SZIDX_512));
        assertEquals(0, pm.stats().allocatedBlocks());
        assertEquals(arenas.live() - 1, pm.retainedArenas(), "all but the last usable arena left pymalloc, kept for reuse");
        pm.collect();
        assertEquals(1, arenas.live(), "collect gives the kept ones back");
    }

    @Test
    void aLoopThatTakesAndFreesOneBlockKeepsItCachedAndTakesNoNewPool() {
        long p = pm.malloc(64);
        pm.free(p);
        long unused = pm.stats().unusedPools();
        for (int k = 0; k < 1000; k++) {
            assertEquals(p, pm.malloc(64));
            pm.free(p);
        }
        assertEquals(1 + REFILL_64, cached(SZIDX_64));
        assertEquals(unused, pm.stats().unusedPools());
        assertEquals(1, arenas.allocs);
    }

    @Test
    void aPointerThatIsNotABlockIsRefusedBeforeItReachesTheCache() {
        long keep = pm.malloc(64);
        long before = cached(SZIDX_64);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pm.free(keep + 8));
        assertTrue(e.getMessage().contains("it is not the start of a block of its pool"), e.getMessage());
        assertEquals(before, cached(SZIDX_64));
        pm.free(keep);
    }

    @Test
    void afterCloseTheCachedBlocksAreNotHandedOut() {
        pm.free(pm.malloc(64));
        pm.close();
        assertThrows(IllegalStateException.class, () -> pm.malloc(64));
    }

    @Test
    void gilModeHasNoCache() {
        try (Pymalloc gil = new Pymalloc(Geometry.CPYTHON310, raw, arenas, false, true)) {
            assertFalse(gil.frontCache());
            long keep = gil.malloc(64);
            assertEquals(1, refCount(keep), "obmalloc exactly: one block handed out, one counted");
            gil.free(keep);
        }
    }

    @Test
    void theProviderLeavesTheCacheOffUnlessTheOptionTurnsItOn() {
        PyMemRuntime byDefault = PyMemRuntime.create("pymalloc");
        PyMemRuntime on = PyMemRuntime.builder().allocator("pymalloc").option(PymallocProvider.CACHE_OPTION, "true")
                .build();
        PyMemRuntime off = PyMemRuntime.builder().allocator("pymalloc").option(PymallocProvider.CACHE_OPTION, "false")
                .build();
        try (Pymalloc d = Pymalloc.of(byDefault); Pymalloc a = Pymalloc.of(on); Pymalloc b = Pymalloc.of(off)) {
            assertEquals(PymallocProvider.CACHE_DEFAULT, d.frontCache());
            assertTrue(a.frontCache());
            assertFalse(b.frontCache());
        }
    }

    @Test
    void aCacheOptionThatIsNotABooleanFailsTheSetUp() {
        AllocatorSetupException e = assertThrows(AllocatorSetupException.class,
                () -> PyMemRuntime.builder().allocator("pymalloc").option(PymallocProvider.CACHE_OPTION, "maybe")
                        .build());
        assertEquals("option pymalloc.cache='maybe': expected true or false"
                + " (pymalloc.cache from PyMemRuntime.Builder.option in code)", e.getMessage());
    }
}
