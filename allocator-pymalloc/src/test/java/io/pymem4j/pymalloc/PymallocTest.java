package io.pymem4j.pymalloc;

import io.pymem4j.api.NativeMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * obmalloc's behaviour, step by step (reference §1.5, §2.4-2.8), on a pymalloc of its own per
 * test, in GIL mode: one heap and no lock, which is obmalloc exactly. What threaded mode adds
 * (heaps, remote frees, the warm pool) is specified in {@link HeapsTest}.
 */
class PymallocTest {

    static final List<Geometry> PRESETS = Geometry.PRESETS;
    private static final int POOL_SZIDX = 36;

    private final CountingRaw raw = new CountingRaw();
    /** Arenas 4 KiB past a 2 MiB boundary: like mmap's, never 16 KiB-aligned, so 63 pools each. */
    private final CountingArenas arenas = new CountingArenas(4096);
    private final List<Pymalloc> opened = new ArrayList<>();

    private Pymalloc pymalloc(Geometry g) {
        Pymalloc p = new Pymalloc(g, raw, arenas, false);
        opened.add(p);
        return p;
    }

    private Pymalloc pymalloc() {
        return pymalloc(Geometry.CPYTHON310);
    }

    @AfterEach
    void close() {
        opened.forEach(Pymalloc::close);
    }

    private static long poolOf(Pymalloc pm, long p) {
        return p & ~pm.geometry().poolSizeMask;
    }

    // ---------------------------------------------------------------- size classes

    @ParameterizedTest
    @FieldSource("PRESETS")
    void eachClassHandsOutBlocksOfItsSizeAlignedToAlignment(Geometry g) {
        Pymalloc pm = pymalloc(g);
        for (int i = 0; i < g.nbSmallSizeClasses; i++) {
            int size = g.index2size(i);
            long smallest = i == 0 ? 1 : g.index2size(i - 1) + 1;
            long a = pm.malloc(smallest);
            long b = pm.malloc(size);
            long pool = poolOf(pm, a);
            assertEquals(pool + g.poolOverhead, a, "class " + i + ": first block right after the pool header");
            assertEquals(a + size, b, "class " + i + ": second block one block size further");
            assertEquals(i, NativeMemory.getInt(pool + POOL_SZIDX), "class " + i + ": szidx");
            assertEquals(0, a % g.alignment);
            assertEquals(0, b % g.alignment);
        }
    }

    @ParameterizedTest
    @FieldSource("PRESETS")
    void aPoolHandsOutExactlyItsBlocksThenANewPoolIsUsed(Geometry g) {
        Pymalloc pm = pymalloc(g);
        int cls = g.nbSmallSizeClasses - 1;
        int n = g.numBlocks(cls);
        long first = pm.malloc(512);
        for (int k = 1; k < n; k++) {
            assertEquals(first + (long) k * 512, pm.malloc(512));
        }
        long next = pm.malloc(512);
        assertNotEquals(poolOf(pm, first), poolOf(pm, next));
        assertEquals(2, pm.stats().classes().get(cls).pools());
    }

    // ---------------------------------------------------------------- pools

    @Test
    void aFreedBlockIsTheNextOneHandedOutLifo() {
        Pymalloc pm = pymalloc();
        long a = pm.malloc(40);
        long b = pm.malloc(40);
        long c = pm.malloc(40);
        pm.free(a);
        pm.free(c);
        assertEquals(c, pm.malloc(40));
        assertEquals(a, pm.malloc(40));
        assertEquals(c + 48, pm.malloc(40), "then the virgin block after c");
        pm.free(b);
    }

    @Test
    void aFullPoolThatGetsAFreeBlockGoesToTheFrontOfItsRing() {
        Pymalloc pm = pymalloc();
        int n = Geometry.CPYTHON310.numBlocks(31);
        long[] full = new long[n];
        for (int k = 0; k < n; k++) {
            full[k] = pm.malloc(512);
        }
        long other = pm.malloc(512); // a second pool, now the ring's only member
        pm.free(full[5]);
        assertEquals(full[5], pm.malloc(512), "the formerly full pool is used first");
        assertNotEquals(poolOf(pm, other), poolOf(pm, full[5]));
    }

    @Test
    void anEmptiedPoolGoesOnFreepoolsAndIsReusedForAnotherClass() {
        Pymalloc pm = pymalloc();
        long keep = pm.malloc(16);
        long a = pm.malloc(64);
        long pool = poolOf(pm, a);
        int unusedBefore = (int) pm.stats().unusedPools();
        pm.free(a);
        PymallocStats s = pm.stats();
        assertEquals(0, s.classes().get(3).pools());
        assertEquals(unusedBefore + 1, s.unusedPools());
        long b = pm.malloc(300);
        assertEquals(pool + 48, b, "the cached pool, re-initialised for 304-byte blocks");
        assertEquals(18, NativeMemory.getInt(pool + POOL_SZIDX));
        pm.free(b);
        pm.free(keep);
    }

    @Test
    void aReusedPoolOfTheSameClassKeepsItsFreeList() {
        Pymalloc pm = pymalloc();
        long keep = pm.malloc(16);
        long a = pm.malloc(64);
        long b = pm.malloc(64);
        pm.free(a);
        pm.free(b);
        assertEquals(b, pm.malloc(64), "the pool's free list, last freed first");
        pm.free(keep);
    }

    // ---------------------------------------------------------------- arenas

    /** Fills {@code arenaCount} arenas with 512-byte blocks; returns them grouped per arena. */
    private static List<List<Long>> fillArenas(Pymalloc pm, int arenaCount) {
        List<List<Long>> out = new ArrayList<>();
        long arenaMask = ~pm.geometry().arenaSizeMask;
        for (int a = 0; a < arenaCount; a++) {
            out.add(new ArrayList<>());
        }
        int perArena = 63 * pm.geometry().numBlocks(31); // these arenas lose one pool to alignment
        List<Long> all = new ArrayList<>();
        for (int k = 0; k < perArena * arenaCount; k++) {
            all.add(pm.malloc(512));
        }
        // Group by arena object order of acquisition: blocks are handed out arena by arena.
        for (int k = 0; k < all.size(); k++) {
            out.get(k / perArena).add(all.get(k));
        }
        assertEquals(arenaCount, pm.stats().arenasAllocatedCurrent());
        assertTrue(arenaMask != 0);
        return out;
    }

    @Test
    void aWhollyFreeArenaIsUnmappedExceptTheLastUsableOne() {
        Pymalloc pm = pymalloc();
        List<List<Long>> blocks = fillArenas(pm, 3);
        assertEquals(3, arenas.allocs);
        blocks.get(0).forEach(pm::free);
        assertEquals(0, arenas.frees, "the last usable arena is kept (bpo-37257)");
        blocks.get(1).forEach(pm::free);
        assertEquals(1, arenas.frees, "an empty arena with another after it in usable_arenas is released");
        blocks.get(2).forEach(pm::free);
        assertEquals(2, arenas.frees);
        PymallocStats s = pm.stats();
        assertEquals(3, s.arenasAllocatedTotal());
        assertEquals(2, s.arenasReclaimed());
        assertEquals(3, s.arenasHighwater());
        assertEquals(1, s.arenasAllocatedCurrent());
        assertEquals(3L << 20, s.arenaBytesPeak());
    }

    @Test
    void aReleasedArenaIsReacquiredWhenNeeded() {
        Pymalloc pm = pymalloc();
        List<List<Long>> blocks = fillArenas(pm, 2);
        blocks.forEach(l -> l.forEach(pm::free));
        assertEquals(1, arenas.frees);
        List<List<Long>> again = fillArenas(pm, 2);
        assertEquals(3, arenas.allocs, "one arena kept, one mapped again");
        assertEquals(3, pm.stats().arenasAllocatedTotal());
        again.forEach(l -> l.forEach(pm::free));
    }

    @Test
    void usableArenasStaySortedByFreePoolsAndTheFullestIsUsedFirst() {
        Pymalloc pm = pymalloc();
        List<List<Long>> blocks = fillArenas(pm, 3);
        int perPool = pm.geometry().numBlocks(31);
        // Free 5 pools of arena 0, 2 pools of arena 1 and 9 pools of arena 2.
        int[] poolsToFree = {5, 2, 9};
        for (int a = 0; a < 3; a++) {
            for (int k = 0; k < poolsToFree[a] * perPool; k++) {
                pm.free(blocks.get(a).get(k));
            }
        }
        assertEquals(List.of(2, 5, 9), pm.usableArenaFreePools());
        long p = pm.malloc(100);
        long arena1Pool = poolOf(pm, blocks.get(1).get(perPool));
        assertEquals(arena1Pool + 48, p, "the arena with the fewest free pools gives the next pool, the last emptied first");
        assertEquals(List.of(1, 5, 9), pm.usableArenaFreePools());
        // Freeing the rest of arena 0's pools but one slides it right past arena 2.
        for (int k = 5 * perPool; k < 62 * perPool; k++) {
            pm.free(blocks.get(0).get(k));
        }
        assertEquals(List.of(1, 9, 62), pm.usableArenaFreePools());
    }

    @Test
    void theArenasVectorGrowsBeyondItsInitialSixteenSlots() {
        Pymalloc pm = pymalloc(Geometry.CLASSIC);
        List<Long> blocks = new ArrayList<>();
        // 4 KiB pools: a 4 KiB-aligned arena loses nothing to alignment, so 64 pools each.
        int perArena = 64 * Geometry.CLASSIC.numBlocks(63);
        for (int k = 0; k < 20 * perArena; k++) {
            blocks.add(pm.malloc(512));
        }
        assertEquals(20, pm.stats().arenasAllocatedCurrent());
        blocks.forEach(pm::free);
        assertEquals(1, pm.stats().arenasAllocatedCurrent());
    }

    // ---------------------------------------------------------------- raw requests

    @Test
    void zeroAndLargeRequestsGoToTheRawAllocatorAndAreCounted() {
        Pymalloc pm = pymalloc();
        int before = raw.mallocs.get();
        long zero = pm.malloc(0);
        long large = pm.malloc(513);
        long small = pm.malloc(512);
        assertEquals(before + 2, raw.mallocs.get());
        assertFalse(pm.owns(zero));
        assertFalse(pm.owns(large));
        assertTrue(pm.owns(small));
        assertEquals(2, pm.rawAllocatedBlocks());
        int freesBefore = raw.frees.get();
        pm.free(zero);
        pm.free(large);
        pm.free(small);
        assertEquals(freesBefore + 2, raw.frees.get());
        assertEquals(0, pm.rawAllocatedBlocks());
    }

    @Test
    void callocOfZeroProductAndOfLargeProductGoesToRawCalloc() {
        Pymalloc pm = pymalloc();
        int before = raw.callocs.get();
        long a = pm.calloc(0, 8);
        long b = pm.calloc(2, 300);
        assertEquals(before + 2, raw.callocs.get());
        assertEquals(2, pm.rawAllocatedBlocks());
        pm.free(a);
        pm.free(b);
        assertEquals(0, pm.rawAllocatedBlocks());
    }

    @Test
    void callocZeroesARecycledPymallocBlock() {
        Pymalloc pm = pymalloc();
        long p = pm.malloc(200);
        NativeMemory.fill(p, 208, (byte) 0x5A);
        pm.free(p);
        long q = pm.calloc(25, 8);
        assertEquals(p, q);
        assertEquals(-1, NativeMemory.findNot(q, 200, (byte) 0));
        pm.free(q);
    }

    @Test
    void foreignPointersGoToTheRawAllocator() {
        Pymalloc pm = pymalloc();
        long foreign = raw.malloc(100);
        NativeMemory.putLong(foreign, 0x1234_5678L);
        int reallocs = raw.reallocs.get();
        long moved = pm.realloc(foreign, 200);
        assertEquals(reallocs + 1, raw.reallocs.get());
        assertEquals(0x1234_5678L, NativeMemory.getLong(moved));
        assertFalse(pm.owns(moved));
        int frees = raw.frees.get();
        pm.free(moved);
        assertEquals(frees + 1, raw.frees.get());
    }

    // ---------------------------------------------------------------- realloc

    @Test
    void reallocShrinkingByAQuarterOfTheBlockMovesEvenWithinTheClass() {
        Pymalloc pm = pymalloc();
        long p = pm.malloc(32);
        NativeMemory.fill(p, 32, (byte) 7);
        long q = pm.realloc(p, 24);
        assertNotEquals(p, q);
        assertEquals(1, pm.stats().classes().get(1).blocksInUse(), "32 -> 24 copies into another 32-byte block");
        assertEquals(-1, NativeMemory.findNot(q, 24, (byte) 7));
        pm.free(q);
    }

    @Test
    void reallocShrinkingByLessThanAQuarterStaysInPlace() {
        Pymalloc pm = pymalloc();
        long p = pm.malloc(32);
        assertEquals(p, pm.realloc(p, 30));
        assertEquals(p, pm.realloc(p, 25));
        assertEquals(p, pm.realloc(p, 32));
        pm.free(p);
    }

    @Test
    void reallocGrowingPastTheBlockMovesAndKeepsTheWholeBlock() {
        Pymalloc pm = pymalloc();
        long p = pm.malloc(20);
        NativeMemory.fill(p, 32, (byte) 9);
        long q = pm.realloc(p, 33);
        assertNotEquals(p, q);
        assertEquals(-1, NativeMemory.findNot(q, 32, (byte) 9));
        long r = pm.realloc(q, 1000);
        assertFalse(pm.owns(r));
        assertEquals(-1, NativeMemory.findNot(r, 32, (byte) 9));
        assertEquals(1, pm.rawAllocatedBlocks());
        pm.free(r);
    }

    @Test
    void reallocToZeroMovesToARawOneByteBlock() {
        Pymalloc pm = pymalloc();
        long p = pm.malloc(16);
        int before = raw.mallocs.get();
        long q = pm.realloc(p, 0);
        assertNotEquals(0, q);
        assertFalse(pm.owns(q));
        assertEquals(before + 1, raw.mallocs.get());
        assertEquals(1, pm.rawAllocatedBlocks());
        assertEquals(0, pm.stats().blocksInUse());
        pm.free(q);
    }

    // ---------------------------------------------------------------- arena failure

    @Test
    void whenNoArenaCanBeHadSmallRequestsFallBackToRaw() {
        Pymalloc pm = pymalloc();
        arenas.failing = true;
        long p = pm.malloc(64);
        assertNotEquals(0, p);
        assertFalse(pm.owns(p));
        assertEquals(1, pm.rawAllocatedBlocks());
        assertEquals(0, pm.stats().arenasAllocatedTotal());
        pm.free(p);
        assertEquals(0, pm.rawAllocatedBlocks());
    }

    @Test
    void whenNeitherArenasNorRawMemoryCanBeHadMallocReturnsZeroAndLaterRecovers() {
        Pymalloc pm = pymalloc();
        arenas.failing = true;
        raw.failing = true;
        assertEquals(0, pm.malloc(64));
        assertEquals(0, pm.calloc(4, 16));
        assertEquals(0, pm.stats().arenasAllocatedCurrent());
        assertEquals(0, pm.rawAllocatedBlocks());
        arenas.failing = false;
        raw.failing = false;
        long p = pm.malloc(64);
        assertTrue(pm.owns(p));
        assertEquals(1, pm.stats().arenasAllocatedCurrent());
        pm.free(p);
    }

    // ---------------------------------------------------------------- stats

    @Test
    void statsCountTheLiveBlocksPerClass() {
        Pymalloc pm = pymalloc();
        List<Long> live = new ArrayList<>();
        for (int k = 0; k < 3000; k++) {
            live.add(pm.malloc(1 + (k * 7L) % 512));
        }
        for (int k = 0; k < 3000; k += 3) {
            pm.free(live.get(k));
        }
        long raw0 = pm.malloc(0);
        long[] expected = new long[32];
        for (int k = 0; k < 3000; k++) {
            if (k % 3 != 0) {
                expected[Geometry.CPYTHON310.size2index(1 + (k * 7L) % 512)]++;
            }
        }
        PymallocStats s = pm.stats();
        for (int i = 0; i < 32; i++) {
            PymallocStats.SizeClass c = s.classes().get(i);
            assertEquals(expected[i], c.blocksInUse(), "class " + i);
            assertEquals(c.pools() * Geometry.CPYTHON310.numBlocks(i) - c.blocksInUse(), c.availableBlocks(), "class " + i);
        }
        assertEquals(2000, s.blocksInUse());
        assertEquals(2001, s.allocatedBlocks());
        assertEquals(s.arenaBytes(), s.total());
        pm.free(raw0);
    }

    @Test
    void theReportForAKnownStateMatchesCpythonLineByLine() {
        CountingArenas misaligned = new CountingArenas(4096);
        Pymalloc pm = new Pymalloc(Geometry.CPYTHON310, raw, misaligned, false);
        opened.add(pm);
        pm.malloc(1);
        pm.malloc(16);
        pm.malloc(10);
        pm.malloc(64);
        pm.malloc(512);
        List<String> expected = List.of(
                "Small block threshold = 512, in 32 size classes.",
                "",
                "class   size   num pools   blocks in use  avail blocks",
                "-----   ----   ---------   -------------  ------------",
                "    0     16           1               3          1018",
                "    3     64           1               1           254",
                "   31    512           1               1            30",
                "",
                "# arenas allocated total           =                    1",
                "# arenas reclaimed                 =                    0",
                "# arenas highwater mark            =                    1",
                "# arenas allocated current         =                    1",
                "1 arenas * 1048576 bytes/arena     =            1,048,576",
                "",
                "# bytes in allocated blocks        =                  624",
                "# bytes in available blocks        =               47,904",
                "60 unused pools * 16384 bytes      =              983,040",
                "# bytes lost to pool headers       =                  144",
                "# bytes lost to quantization       =                  480",
                "# bytes lost to arena alignment    =               16,384",
                "Total                              =            1,048,576",
                "",
                "arena map counts",
                "# arena map mid nodes              =                    1",
                "# arena map bot nodes              =                    1",
                "",
                "# bytes lost to arena map root     =              262,144",
                "# bytes lost to arena map mid      =              262,144",
                "# bytes lost to arena map bot      =              131,072",
                "Total                              =              655,360");
        assertEquals(expected, pm.debugMallocStats().lines().toList());
        assertTrue(pm.debugMallocStats().endsWith("655,360\n"));
    }

    @Test
    void thePoolAlignedArenaLosesNothingToAlignment() {
        CountingArenas aligned = new CountingArenas(0);
        Pymalloc pm = new Pymalloc(Geometry.CPYTHON310, raw, aligned, false);
        opened.add(pm);
        pm.malloc(8);
        PymallocStats s = pm.stats();
        assertEquals(0, s.bytesLostToArenaAlignment());
        assertEquals(63, s.unusedPools());
        assertEquals(1L << 20, s.total());
    }

    @Test
    void printoneFormatsLikeObmalloc() {
        StringBuilder out = new StringBuilder();
        PymallocStats.printone(out, "2 arenas * 1048576 bytes/arena", 2_097_152);
        PymallocStats.printone(out, "a label longer than thirty-five columns", 1_234_567_890_123L);
        assertEquals("2 arenas * 1048576 bytes/arena     =            2,097,152\n"
                + "a label longer than thirty-five columns=    1,234,567,890,123\n", out.toString());
    }
}
