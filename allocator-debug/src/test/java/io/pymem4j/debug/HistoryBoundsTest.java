package io.pymem4j.debug;

import org.junit.jupiter.api.Test;

import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static io.pymem4j.api.PyMemAllocatorDomain.MEM;
import static io.pymem4j.debug.Fixture.corruption;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The history of frees is one bounded ring shared by all threads, plus a few pending frees a thread. */
class HistoryBoundsTest {

    /** The shared ring of the default history (16,384 entries of 40 bytes) and 2,000 threads' pending frees, at most. */
    private static final long BOUND = 16_384 * 40 + 2_000 * (FreeHistory.PENDING * 40 + 16);

    @Test
    void twoThousandThreadsFreeingOneBlockEachLeaveTheHistorySmall() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        System.gc();
        long before = rt.totalMemory() - rt.freeMemory();
        Fixture f = new Fixture();
        DebugAllocator a = f.allocator(MEM);
        // All alive at once, as a service's threads are: no thread takes over another's pending frees.
        CountDownLatch freed = new CountDownLatch(2_000);
        CountDownLatch end = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                a.free(a.malloc(16));
                freed.countDown();
                awaitUninterruptibly(end);
            }));
        }
        freed.await();
        assertTrue(f.hook.historyBytes() <= BOUND, f.hook.historyBytes() + " bytes, over " + BOUND);
        System.gc();
        long grown = rt.totalMemory() - rt.freeMemory() - before;
        assertTrue(grown < 64L << 20, "the heap grew by " + grown + " bytes");
        end.countDown();
        for (Thread t : threads) {
            t.join();
        }
        Reference.reachabilityFence(f);
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aDoubleFreeOnAnotherThreadIsNamedFromTheSharedHistory() throws InterruptedException {
        Fixture f = new Fixture(DebugConfig.HISTORY, "1000");
        DebugAllocator a = f.allocator(MEM);
        long p = a.malloc(16);
        a.free(p);
        for (int i = 0; i < 100; i++) { // past this thread's pending frees
            a.free(a.malloc(16));
        }
        Problem[] seen = new Problem[1];
        Thread t = Thread.ofPlatform().start(() -> seen[0] = corruption(() -> a.free(p)).problem());
        t.join();
        assertEquals(Problem.DOUBLE_FREE, seen[0]);
    }

    @Test
    void aDoubleFreeWhoseFirstFreeAgedOutSaysSo() {
        Fixture f = new Fixture(DebugConfig.HISTORY, "2");
        DebugAllocator a = f.allocator(MEM);
        long p = a.malloc(16);
        a.free(p);
        for (int i = 0; i < 4; i++) {
            a.free(a.malloc(16));
        }
        MemoryCorruptionError e = corruption(() -> a.free(p));
        assertEquals(Problem.NOT_LIVE, e.problem());
        assertTrue(e.report().contains("\n    This layer did free a block at this address, but that first free is older"
                + " than the frees it remembers: where it was freed is no longer known.\n"), e.report());
    }

    @Test
    void aPointerThisLayerNeverMadeGetsNoAgedOutSentence() {
        Fixture f = new Fixture(DebugConfig.HISTORY, "2");
        DebugAllocator a = f.allocator(MEM);
        long p = a.malloc(16);
        MemoryCorruptionError e = corruption(() -> a.free(p + 4096));
        assertTrue(!e.report().contains("first free is older"), e.report());
        a.free(p);
    }
}
