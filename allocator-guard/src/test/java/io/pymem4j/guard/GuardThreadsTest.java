package io.pymem4j.guard;

import org.junit.jupiter.api.Test;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

import static io.pymem4j.api.PyMemAllocatorDomain.MEM;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Sampled blocks shared between threads. */
class GuardThreadsTest {

    @Test
    void threadsFreeingEachOthersSampledBlocksFindNoProblem() throws Exception {
        int perThread = 2_000;
        // Room for every block of both threads at once: however the threads are scheduled, all are sampled.
        GuardFixture f = GuardFixture.everyBlock(GuardConfig.SLOTS, "4096", GuardConfig.SLOT_BYTES, "128",
                GuardConfig.QUARANTINE, "8");
        BlockingQueue<Long> ab = new LinkedBlockingQueue<>();
        BlockingQueue<Long> ba = new LinkedBlockingQueue<>();
        Thread a = new Thread(() -> pass(f, ab, ba, perThread), "guard-a");
        Thread b = new Thread(() -> pass(f, ba, ab, perThread), "guard-b");
        a.start();
        b.start();
        a.join();
        b.join();
        GuardHook g = f.hook();
        assertEquals(0, g.problemsFound());
        assertEquals(0, g.liveBlocks());
        assertEquals(2L * perThread, g.sampledBlocks());
        assertEquals(8, g.quarantinedBlocks());
    }

    /** Allocates {@code n} blocks into {@code out} and frees as many from {@code in}, the other thread's. */
    private static void pass(GuardFixture f, BlockingQueue<Long> out, BlockingQueue<Long> in, int n) {
        GuardAllocator mem = f.allocator(MEM);
        try {
            int freed = 0;
            for (int i = 0; i < n; i++) {
                out.put(i % 2 == 0 ? mem.malloc(i % 90) : mem.calloc(1, i % 90));
                Long p = in.poll();
                if (p != null) {
                    mem.free(p);
                    freed++;
                }
            }
            while (freed < n) {
                mem.free(in.take());
                freed++;
            }
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void ofTwoThreadsFreeingOneSampledBlockOneFreesItAndTheOtherIsNamedADoubleFree() throws Exception {
        GuardFixture f = GuardFixture.everyBlock(GuardConfig.POLICY, "log", GuardConfig.QUARANTINE, "16");
        int rounds = 200;
        AtomicInteger started = new AtomicInteger();
        for (int r = 0; r < rounds; r++) {
            long p = f.allocator(MEM).malloc(32);
            CountDownLatch go = new CountDownLatch(1);
            Runnable free = () -> {
                started.incrementAndGet();
                try {
                    go.await();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                f.allocator(MEM).free(p);
            };
            Thread t1 = new Thread(free);
            Thread t2 = new Thread(free);
            t1.start();
            t2.start();
            go.countDown();
            t1.join();
            t2.join();
        }
        assertEquals(2 * rounds, started.get());
        assertEquals(rounds, f.hook().problemsFound(), "one double free a block");
        assertEquals(rounds, f.hook().sampledBlocks());
        assertEquals(0, f.hook().liveBlocks());
    }
}
