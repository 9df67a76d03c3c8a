package io.pymem4j.pymalloc;

import io.pymem4j.api.NativeMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.FutureTask;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * What threaded mode adds to obmalloc: a heap per thread, frees from other threads pushed
 * to the owner and collected later, the warm pool, and heaps of ended threads taken over.
 */
class HeapsTest {

    private static final int POOL_OWNER = 4;
    private static final int SZIDX_64 = 3;

    private final CountingRaw raw = new CountingRaw();
    private final CountingArenas arenas = new CountingArenas(4096);
    private final Pymalloc pm = new Pymalloc(Geometry.CPYTHON310, raw, arenas);

    @AfterEach
    void close() {
        pm.close();
    }

    private long poolOf(long p) {
        return p & ~pm.geometry().poolSizeMask;
    }

    private int ownerOf(long p) {
        return NativeMemory.getInt(poolOf(p) + POOL_OWNER);
    }

    /** Runs {@code task} on a new thread and returns its result once the thread has ended. */
    private static <T> T onNewThread(Callable<T> task) throws Exception {
        FutureTask<T> f = new FutureTask<>(task);
        Thread t = new Thread(f);
        t.start();
        t.join();
        return f.get();
    }

    @Test
    void twoThreadsAllocateFromPoolsOfTheirOwnHeaps() throws Exception {
        long mine = pm.malloc(64);
        List<Long> theirs = new ArrayList<>();
        Thread t = new Thread(() -> theirs.add(pm.malloc(64)));
        t.start();
        t.join();
        long other = theirs.getFirst();
        assertNotEquals(poolOf(mine), poolOf(other));
        assertNotEquals(ownerOf(mine), ownerOf(other));
        pm.free(mine);
        pm.free(other);
    }

    @Test
    void aBlockFreedByAnotherThreadCountsAsFreeAndComesBackToItsOwnerOnCollect() throws Exception {
        long keep = pm.malloc(64);
        long p = pm.malloc(64);
        Thread t = new Thread(() -> pm.free(p));
        t.start();
        t.join();
        assertEquals(1, pm.stats().classes().get(SZIDX_64).blocksInUse(), "the pending remote free counts as free");
        assertEquals(p + 64, pm.malloc(64), "not reused before the owner collects: the next virgin block");
        pm.collect();
        assertEquals(p, pm.malloc(64), "collected onto the pool's free list, last freed first");
    }

    @Test
    void aRemoteFreeByAThreadThatCouldGetNoHeapStillCountsAsFree() throws Exception {
        long keep = pm.malloc(64);
        long p = pm.malloc(64);
        raw.failing = true;
        onNewThread(() -> {
            pm.free(p);
            return null;
        });
        raw.failing = false;
        assertEquals(1, pm.stats().classes().get(SZIDX_64).blocksInUse(), "pushed, uncollected: free");
        pm.collect();
        assertEquals(1, pm.stats().classes().get(SZIDX_64).blocksInUse(), "collected: still counted once");
        assertEquals(p, pm.malloc(64));
        pm.free(p);
        pm.free(keep);
    }

    @Test
    void remoteFreesCountedInTheHeapsOfEndedThreadsStayExactWhenThoseHeapsAreTakenOver() throws Exception {
        long[] blocks = new long[10];
        for (int k = 0; k < blocks.length; k++) {
            blocks[k] = pm.malloc(64);
        }
        for (int k : new int[] {0, 3, 6}) {
            onNewThread(() -> {
                pm.free(blocks[k]); // counted as pushed in this thread's heap, which then ends
                return null;
            });
        }
        assertEquals(7, pm.stats().classes().get(SZIDX_64).blocksInUse());
        onNewThread(() -> {
            pm.free(pm.malloc(64)); // takes over an ended thread's heap with its counts
            pm.free(blocks[1]);
            return null;
        });
        assertEquals(6, pm.stats().classes().get(SZIDX_64).blocksInUse());
        pm.collect();
        assertEquals(6, pm.stats().classes().get(SZIDX_64).blocksInUse(), "collected: counted once");
        for (int k : new int[] {2, 4, 5, 7, 8, 9}) {
            pm.free(blocks[k]);
        }
        assertEquals(0, pm.stats().classes().get(SZIDX_64).blocksInUse());
    }

    @Test
    void remoteFreesAreCollectedBeforeTheOwnerTakesANewPool() throws Exception {
        int n = Geometry.CPYTHON310.numBlocks(SZIDX_64);
        long[] full = new long[n];
        for (int k = 0; k < n; k++) {
            full[k] = pm.malloc(64);
        }
        Thread t = new Thread(() -> pm.free(full[7]));
        t.start();
        t.join();
        assertEquals(full[7], pm.malloc(64), "the full pool's block came back instead of a new pool");
        assertEquals(1, pm.stats().classes().get(SZIDX_64).pools());
    }

    @Test
    void remoteFreesBeyondWhatTheQueueHoldsGoOnTheListAndAllComeBack() throws Exception {
        long keep = pm.malloc(64);
        int n = RemoteFrees.CAPACITY + 300;
        long[] blocks = new long[n];
        for (int k = 0; k < n; k++) {
            blocks[k] = pm.malloc(64);
        }
        onNewThread(() -> {
            for (long p : blocks) {
                pm.free(p);
            }
            return null;
        });
        assertEquals(1, pm.stats().classes().get(SZIDX_64).blocksInUse(), "queued and listed: all free");
        pm.collect();
        assertEquals(1, pm.stats().classes().get(SZIDX_64).blocksInUse(), "collected: each counted once");
        assertEquals(1, pm.stats().classes().get(SZIDX_64).pools(), "every pool emptied but the kept block's");
        long[] again = new long[n];
        for (int k = 0; k < n; k++) {
            again[k] = pm.malloc(64);
        }
        assertEquals(n, Arrays.stream(again).distinct().count(), "no block handed out twice");
        assertEquals(n + 1, pm.stats().classes().get(SZIDX_64).blocksInUse());
        for (long p : again) {
            pm.free(p);
        }
        pm.free(keep);
    }

    @Test
    void anEmptiedPoolStaysWarmInItsRingAndIsReusedWithoutItsArena() {
        long keep = pm.malloc(16);
        long a = pm.malloc(64);
        long pool = poolOf(a);
        int unusedBefore = (int) pm.stats().unusedPools();
        pm.free(a);
        PymallocStats s = pm.stats();
        assertEquals(0, s.classes().get(SZIDX_64).pools());
        assertEquals(unusedBefore + 1, s.unusedPools(), "the warm pool counts as unused");
        assertEquals(a, pm.malloc(64), "the warm pool serves its class again, same block");
        pm.free(a);
        long b = pm.malloc(300);
        assertEquals(pool + 48, b, "a new class takes the warm pool, re-initialised");
        pm.free(b);
        pm.free(keep);
        assertEquals(1, arenas.allocs);
    }

    @Test
    void aSecondEmptiedPoolSendsTheWarmOneBackToItsArena() {
        long keep = pm.malloc(16);
        long a = pm.malloc(64);
        long b = pm.malloc(128);
        int unused = (int) pm.stats().unusedPools();
        pm.free(a);
        pm.free(b);
        assertEquals(unused + 2, pm.stats().unusedPools(), "one warm pool and one on its arena's freepools");
        assertEquals(List.of(unused + 1), pm.usableArenaFreePools(), "the arena got exactly one pool back");
        pm.free(keep);
    }

    @Test
    void collectGivesTheWarmPoolBackToItsArena() {
        long keep = pm.malloc(16);
        int free = pm.usableArenaFreePools().getFirst();
        pm.free(pm.malloc(64));
        assertEquals(List.of(free - 1), pm.usableArenaFreePools(), "the warm pool is still the heap's");
        pm.collect();
        assertEquals(List.of(free), pm.usableArenaFreePools());
        pm.free(keep);
    }

    @Test
    void aNewThreadTakesOverTheHeapOfAnEndedOne() throws Exception {
        long[] first = onNewThread(() -> new long[]{pm.malloc(64), pm.malloc(64)});
        long next = onNewThread(() -> pm.malloc(64));
        assertEquals(ownerOf(first[0]), ownerOf(next), "the same heap");
        assertEquals(first[1] + 64, next, "its pool, where the ended thread left it");
    }

    @Test
    void freesIntoTheHeapOfAnEndedThreadAreDoneAtOnceAndItsArenasGoBack() throws Exception {
        int perArena = 63 * pm.geometry().numBlocks(31);
        long[] blocks = onNewThread(() -> {
            long[] out = new long[3 * perArena];
            for (int k = 0; k < out.length; k++) {
                out[k] = pm.malloc(512);
            }
            return out;
        });
        assertEquals(3, arenas.live());
        for (long p : blocks) {
            pm.free(p);
        }
        assertEquals(0, pm.stats().allocatedBlocks());
        assertEquals(2, pm.retainedArenas(), "all but the last usable arena left pymalloc with no collect needed, kept for reuse");
        assertEquals(3, arenas.live());
    }

    @Test
    void aHeapThatCannotBeMadeSendsSmallRequestsToRaw() throws Exception {
        raw.failing = true;
        long p = onNewThread(() -> pm.malloc(64));
        assertEquals(0, p, "neither a heap nor raw memory: NULL");
        raw.failing = false;
        long q = onNewThread(() -> pm.malloc(64));
        assertEquals(true, pm.owns(q), "later threads get heaps again");
        pm.free(q);
    }

    @Test
    void rawBlocksCountedInOneThreadsHeapAndFreedInAnotherSumToTheLiveCount() throws Exception {
        long large = onNewThread(() -> pm.malloc(4096));
        long zero = pm.malloc(0);
        assertEquals(2, pm.rawAllocatedBlocks());
        onNewThread(() -> {
            pm.free(large);
            return null;
        });
        assertEquals(1, pm.rawAllocatedBlocks());
        pm.free(zero);
        assertEquals(0, pm.rawAllocatedBlocks());
    }
}
