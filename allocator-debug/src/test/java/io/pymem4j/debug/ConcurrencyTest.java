package io.pymem4j.debug;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorDomain;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The layer from several threads: serial numbers, the live set, the quarantine. */
class ConcurrencyTest {

    private static final int THREADS = 4;

    @Test
    void threadsAllocatingAndFreingLeaveNoLiveBlockAndUniqueSerials() throws Exception {
        Fixture f = new Fixture(DebugConfig.QUARANTINE_BYTES, "64k");
        int perThread = 5_000;
        List<Thread> threads = new ArrayList<>();
        AtomicInteger failures = new AtomicInteger();
        long[][] serials = new long[THREADS][2 * perThread];
        for (int t = 0; t < THREADS; t++) {
            PyMemAllocatorDomain d = PyMemAllocatorDomain.values()[t % 3];
            long[] mine = serials[t];
            threads.add(Thread.ofPlatform().start(() -> {
                DebugAllocator a = f.allocator(d);
                for (int i = 0; i < perThread; i++) {
                    int n = 1 + i % 200;
                    long p = a.malloc(n);
                    mine[2 * i] = BlockLayout.readSerial(p, n);
                    NativeMemory.putByte(p, (byte) i);
                    int m = 1 + (i * 7) % 300;
                    p = a.realloc(p, m);
                    mine[2 * i + 1] = BlockLayout.readSerial(p, m);
                    if (NativeMemory.getByte(p) != (byte) i) {
                        failures.incrementAndGet();
                    }
                    a.free(p);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(0, failures.get());
        assertEquals(0, f.hook.liveBlocks());
        long calls = 2L * THREADS * perThread;
        assertEquals(calls, Arrays.stream(serials).flatMapToLong(Arrays::stream).distinct().count());
        for (long[] mine : serials) {
            for (int i = 1; i < mine.length; i++) {
                assertTrue(mine[i] > mine[i - 1], "a thread's serials rise");
            }
        }
        assertEquals(Arrays.stream(serials).flatMapToLong(Arrays::stream).max().orElseThrow(), f.hook.serialNumber());
        f.hook.flushQuarantine();
        assertEquals(0, f.backend.liveBlocks());
    }

    @RepeatedTest(50)
    void twoThreadsFreeingOneBlockPassItDownOnce() throws Exception {
        Fixture f = new Fixture();
        DebugAllocator a = f.allocator(PyMemAllocatorDomain.RAW);
        long p = a.malloc(64);
        CyclicBarrier start = new CyclicBarrier(2);
        AtomicInteger doubleFrees = new AtomicInteger();
        Runnable free = () -> {
            try {
                start.await();
                a.free(p);
            } catch (MemoryCorruptionError e) {
                if (e.problem() == Problem.DOUBLE_FREE) {
                    doubleFrees.incrementAndGet();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        Thread t1 = Thread.ofPlatform().start(free);
        Thread t2 = Thread.ofPlatform().start(free);
        t1.join();
        t2.join();
        assertEquals(1, f.backend.frees.get());
        assertEquals(1, doubleFrees.get());
    }
}
