package io.pymem4j.debug;

import org.junit.jupiter.api.Test;

import static io.pymem4j.api.PyMemAllocatorDomain.MEM;
import static io.pymem4j.api.PyMemAllocatorDomain.OBJ;
import static io.pymem4j.api.PyMemAllocatorDomain.RAW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The block table on its own: records, their history window, pinning, the granules and
 * leaves records live in, and a block taken by one thread of two. Addresses are made up: the table never reads memory, its checks are the callers'.
 */
class BlockTableTest {

    private static final BlockTable.Check PASSES = (p, size, serial) -> null;
    private static final BlockTable.Check BAD_ID = (p, size, serial) -> Problem.BAD_ID;
    /** Addresses as a backend gives them: 16-byte aligned, 48 bytes apart. */
    private static final long BASE = 0x7f00_0000_0010L;

    private static long address(int i) {
        return BASE + 48L * i;
    }

    @Test
    void takingALiveBlockReturnsItsSizeAndLeavesItsHistory() {
        BlockTable t = new BlockTable(16);
        t.adopt(BASE, 100, 7, MEM);
        assertEquals(1, t.liveBlocks());
        assertEquals(100, t.take(BASE, OBJ, false, PASSES));
        assertEquals(0, t.liveBlocks());
        assertEquals(new BlockTable.Entry(BASE, BlockTable.Kind.FREED, 100, 7, MEM, OBJ, 0, true), t.lookup(BASE));
    }

    @Test
    void aTakenBlockCannotBeTakenAgain() {
        BlockTable t = new BlockTable(16);
        t.adopt(BASE, 16, 1, RAW);
        t.take(BASE, RAW, false, PASSES);
        assertEquals(BlockTable.NOT_LIVE, t.take(BASE, RAW, false, PASSES));
        assertEquals(BlockTable.NOT_LIVE, t.take(BASE + 16, RAW, false, PASSES), "never adopted");
    }

    @Test
    void aFailedCheckLeaksTheRecordAndKeepsItForGood() {
        BlockTable t = new BlockTable(1);
        t.adopt(BASE, 16, 1, MEM);
        assertEquals(-2 - Problem.BAD_ID.ordinal(), t.take(BASE, RAW, false, BAD_ID));
        for (int i = 1; i <= 100_000; i++) {
            t.adopt(address(i), 16, i + 1, MEM);
            t.take(address(i), MEM, false, PASSES);
        }
        BlockTable.Entry e = t.lookup(BASE);
        assertEquals(BlockTable.Kind.LEAKED, e.kind());
        assertEquals(16, e.size());
        assertEquals(0, t.liveBlocks());
    }

    @Test
    void historyRemembersTheLastNBlocksGivenBackAndForgetsThoseBeforeTheThreadsPendingOnes() {
        // history 3: a thread keeps its last frees (up to 3) pending, then moves them to the
        // shared history of 3; 7 frees leave blocks 3 to 5 in the history and 6 pending.
        BlockTable t = new BlockTable(3);
        for (int i = 0; i < 7; i++) {
            t.adopt(address(i), 16, i + 1, MEM);
            t.take(address(i), MEM, false, PASSES);
        }
        for (int i = 0; i < 3; i++) {
            assertFalse(t.lookup(address(i)).remembered(), "block " + i);
        }
        for (int i = 3; i < 7; i++) {
            assertTrue(t.lookup(address(i)).remembered(), "block " + i);
        }
    }

    @Test
    void noHistoryRemembersNothingButStillRefusesASecondTake() {
        BlockTable t = new BlockTable(0);
        t.adopt(BASE, 16, 1, MEM);
        t.take(BASE, MEM, false, PASSES);
        assertFalse(t.lookup(BASE).remembered());
        assertEquals(BlockTable.NOT_LIVE, t.take(BASE, MEM, false, PASSES));
    }

    @Test
    void aPinnedRecordIsRememberedWhateverItsAgeUntilItIsReturned() {
        BlockTable t = new BlockTable(2);
        t.adopt(BASE, 16, 1, MEM);
        t.take(BASE, MEM, true, PASSES);
        for (int i = 1; i <= 10_000; i++) {
            t.adopt(address(i), 16, i + 1, MEM);
            t.take(address(i), MEM, false, PASSES);
        }
        assertTrue(t.lookup(BASE).remembered());
        t.returned(BASE);
        assertTrue(t.lookup(BASE).remembered(), "the last given back");
        for (int i = 1; i <= 4; i++) { // its pending frees (2) and the history (2) move on
            t.adopt(address(-i), 16, 0, MEM);
            t.take(address(-i), MEM, false, PASSES);
        }
        assertFalse(t.lookup(BASE).remembered(), "four more given back since");
    }

    @Test
    void aRevivedBlockIsLiveAgainWithItsSizeAndSerial() {
        BlockTable t = new BlockTable(16);
        t.adopt(BASE, 300, 9, OBJ);
        t.take(BASE, OBJ, true, PASSES);
        t.revive(BASE);
        assertEquals(new BlockTable.Entry(BASE, BlockTable.Kind.LIVE, 300, 9, OBJ, OBJ, 0, true), t.lookup(BASE));
        assertEquals(1, t.liveBlocks());
        assertEquals(300, t.take(BASE, OBJ, false, PASSES));
    }

    @Test
    void aMovedBlockNamesItsNewAddress() {
        BlockTable t = new BlockTable(16);
        t.adopt(BASE, 16, 1, MEM);
        t.take(BASE, MEM, true, PASSES);
        t.moved(BASE, address(1000));
        t.adopt(address(1000), 4000, 2, MEM);
        assertEquals(new BlockTable.Entry(BASE, BlockTable.Kind.MOVED, 16, 1, MEM, MEM, address(1000), true),
                t.lookup(BASE));
    }

    @Test
    void anAddressHandedOutAgainReplacesItsHistory() {
        BlockTable t = new BlockTable(16);
        t.adopt(BASE, 16, 1, MEM);
        t.take(BASE, MEM, false, PASSES);
        t.adopt(BASE, 64, 2, OBJ);
        assertEquals(new BlockTable.Entry(BASE, BlockTable.Kind.LIVE, 64, 2, OBJ, OBJ, 0, true), t.lookup(BASE));
        assertEquals(1, t.liveBlocks());
    }

    @Test
    void containingNamesTheLiveBlockAroundAPointerButNotItsStart() {
        BlockTable t = new BlockTable(16);
        t.adopt(BASE, 16, 1, MEM);
        assertEquals(BASE, t.containing(BASE + 4).address());
        assertEquals(BASE, t.containing(BASE - 15).address(), "in the header");
        assertEquals(BASE, t.containing(BASE + 23).address(), "in the trailing pads");
        assertNull(t.containing(BASE), "the start is the block itself");
        assertNull(t.containing(BASE + 24), "past the pads");
    }

    @Test
    void anotherPointerInTheSameGranuleIsNotTheBlock() {
        BlockTable t = new BlockTable(16);
        t.adopt(BASE, 16, 1, MEM);
        assertEquals(BlockTable.NOT_LIVE, t.take(BASE + 8, MEM, false, PASSES));
        assertNull(t.lookup(BASE + 8));
        assertEquals(1, t.liveBlocks());
    }

    @Test
    void blocksThirtyTwoBytesApartHaveRecordsOfTheirOwn() {
        BlockTable t = new BlockTable(16);
        for (int i = 0; i < 100; i++) {
            t.adopt(BASE + 32L * i, i, i + 1, OBJ);
        }
        for (int i = 0; i < 100; i++) {
            assertEquals(new BlockTable.Entry(BASE + 32L * i, BlockTable.Kind.LIVE, i, i + 1, OBJ, OBJ, 0, true),
                    t.lookup(BASE + 32L * i));
        }
        assertEquals(100, t.liveBlocks());
    }

    @Test
    void aPointerThatWasNeverAdoptedHasNoRecordAndMakesNoLeaf() {
        BlockTable t = new BlockTable(16);
        assertEquals(BlockTable.NOT_LIVE, t.take(BASE, MEM, false, PASSES));
        assertNull(t.lookup(BASE));
        assertNull(t.lookup(-16));
        assertNull(t.lookup(1L << 60));
        assertEquals(0, t.leaves());
    }

    @Test
    void oneLeafHoldsTheRecordsOf64KiBOfAddresses() {
        BlockTable t = new BlockTable(16);
        long region = 0x7f00_0001_0000L;
        t.adopt(region + 16, 16, 1, MEM);
        t.adopt(region + 0xfff0, 16, 2, MEM);
        assertEquals(1, t.leaves());
        t.adopt(region + 0x1_0010, 16, 3, MEM);
        assertEquals(2, t.leaves());
    }

    @Test
    void theTablesJavaHeapIsItsLeavesAndMidNodes() {
        BlockTable t = new BlockTable(16);
        assertEquals(0, t.javaHeapBytes());
        long region = 0x7f00_0001_0000L;
        t.adopt(region + 16, 16, 1, MEM);
        t.adopt(region + 0xfff0, 16, 2, MEM);
        long leaf = (8 + 2 * 2048 + 8) * 8;
        long mid = 65536 * 4;
        assertEquals(mid + leaf, t.javaHeapBytes());
        t.adopt(region + 0x1_0010, 16, 3, MEM);
        assertEquals(mid + 2 * leaf, t.javaHeapBytes());
        t.adopt(region + (1L << 32), 16, 4, MEM);
        assertEquals(2 * mid + 3 * leaf, t.javaHeapBytes());
        t.take(region + 16, MEM, false, PASSES);
        assertEquals(2 * mid + 3 * leaf, t.javaHeapBytes(), "a leaf stays when its blocks are freed");
    }

    @Test
    void aLeafsRecordsKeepACacheLineAwayFromEitherEndOfTheLeaf() {
        long region = 0x7f00_0001_0000L;
        // long[] elements start 16 bytes into the array: 8 longs more clear the header's line.
        assertEquals(8, LeafLayout.index(region + 16));
        assertEquals(8, LeafLayout.index(region));
        assertEquals(8 + 2 * 2047, LeafLayout.index(region + 0xffe0));
        assertEquals(8 + 2 * 2048 + 8, LeafLayout.LEAF_LENGTH);
    }

    @Test
    void theFirstAndLastGranulesOfARegionKeepTheirRecords() {
        BlockTable t = new BlockTable(16);
        long region = 0x7f00_0001_0000L;
        t.adopt(region + 16, 16, 1, MEM);
        t.adopt(region + 0xfff0, 32, 2, OBJ);
        assertEquals(new BlockTable.Entry(region + 16, BlockTable.Kind.LIVE, 16, 1, MEM, MEM, 0, true),
                t.lookup(region + 16));
        assertEquals(new BlockTable.Entry(region + 0xfff0, BlockTable.Kind.LIVE, 32, 2, OBJ, OBJ, 0, true),
                t.lookup(region + 0xfff0));
        assertEquals(2, t.liveBlocks());
    }

    @Test
    void anAddressAbove48BitsCannotBeAdopted() {
        BlockTable t = new BlockTable(16);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.adopt(1L << 48, 16, 1, MEM));
        assertEquals("the debug layer records blocks below 2^48 (48-bit user addresses); the backend returned"
                + " 0x1000000000000", e.getMessage());
    }

    @Test
    void twoTablesWithBlocksAtOneAddressEachFindTheirOwn() {
        BlockTable a = new BlockTable(16);
        BlockTable b = new BlockTable(16);
        a.adopt(BASE, 100, 7, MEM);
        b.adopt(BASE, 200, 9, OBJ);
        for (int i = 0; i < 3; i++) {
            assertEquals(100, a.lookup(BASE).size());
            assertEquals(200, b.lookup(BASE).size());
        }
        assertEquals(100, a.take(BASE, MEM, false, PASSES));
        assertEquals(BlockTable.Kind.LIVE, b.lookup(BASE).kind());
    }

    @Test
    void regionsThatShareACacheSlotKeepTheirOwnRecords() {
        BlockTable t = new BlockTable(16);
        long other = BASE + ((long) LeafCache.SLOTS << 16);
        t.adopt(BASE, 100, 7, MEM);
        t.adopt(other, 200, 9, MEM);
        for (int i = 0; i < 3; i++) {
            assertEquals(100, t.lookup(BASE).size());
            assertEquals(200, t.lookup(other).size());
        }
        assertEquals(2, t.liveBlocks());
    }

    @Test
    void aForgottenTableLeavesTheSharedCacheAndStillFindsItsRecords() {
        BlockTable t = new BlockTable(16);
        t.adopt(BASE, 100, 7, MEM);
        assertEquals(1, LeafCache.count(t.tableKey));
        t.forgetCachedLeaves();
        assertEquals(0, LeafCache.count(t.tableKey));
        assertEquals(100, t.lookup(BASE).size());
        assertEquals(1, LeafCache.count(t.tableKey), "the lookup put the leaf back");
    }

    /** A table that adopted a block in each of {@code regions} regions, dropped: its key. */
    private static long tableDroppedAfterAdopting(int regions) {
        BlockTable t = new BlockTable(16);
        for (int i = 0; i < regions; i++) {
            t.adopt(BASE + ((long) i << 16), 16, i + 1, MEM);
        }
        assertEquals(regions, LeafCache.count(t.tableKey));
        return t.tableKey;
    }

    @Test
    void aCollectedTableLeavesNoLeafInTheSharedCache() throws InterruptedException {
        long key = tableDroppedAfterAdopting(3);
        for (int i = 0; i < 300 && LeafCache.count(key) != 0; i++) {
            System.gc();
            Thread.sleep(100);
        }
        assertEquals(0, LeafCache.count(key), "the leaves of a table no longer reachable");
    }

    @Test
    void anAddressAbove48BitsIsNotTheBlockItsLow48BitsName() {
        BlockTable t = new BlockTable(16);
        t.adopt(BASE, 100, 7, MEM);
        // The table's own id up there would spell its leaf's key, were the high bits not refused first.
        long ownId = t.tableKey << 16;
        for (long high : new long[] {ownId, 1L << 48, 1L << 62, Long.MIN_VALUE}) {
            assertNull(t.lookup(BASE | high));
            assertEquals(BlockTable.NOT_LIVE, t.take(BASE | high, MEM, false, PASSES));
        }
        assertEquals(1, t.liveBlocks());
    }

    @Test
    void theRecordKeepsFiftyTwoBitsOfSerial() {
        BlockTable t = new BlockTable(16);
        long serial = (1L << 52) - 1;
        t.adopt(BASE, 16, serial, MEM);
        assertEquals(serial, t.lookup(BASE).serial());
        assertEquals(5, BlockTable.serialBits((1L << 52) + 5));
    }

    @Test
    void ofTwoThreadsTakingOneBlockExactlyOneGetsIt() throws InterruptedException {
        BlockTable t = new BlockTable(16);
        for (int round = 0; round < 2_000; round++) {
            long p = address(round);
            t.adopt(p, 16, round + 1, MEM);
            java.util.concurrent.atomic.AtomicInteger passed = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            Runnable take = () -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (t.take(p, MEM, false, PASSES) == 16) {
                    passed.incrementAndGet();
                }
            };
            Thread a = Thread.ofPlatform().start(take);
            Thread b = Thread.ofPlatform().start(take);
            go.countDown();
            a.join();
            b.join();
            assertEquals(1, passed.get(), "round " + round);
        }
    }
}
