package io.pymem4j.pymalloc;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.raw.LibcAllocator;
import io.pymem4j.raw.MmapArenaAllocator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PymallocThreadsTest {

    private static final int THREADS = 4;
    private static final int ROUNDS = 40_000;

    /** A live block: where, how big, and the byte every one of its bytes holds. */
    private record Stamped(long address, int size, byte stamp) {
    }

    @ParameterizedTest(name = "front cache {0}")
    @ValueSource(booleans = {false, true})
    void blocksFreedByOtherThreadsAreNeverHandedOutTwiceAndKeepTheirContent(boolean frontCache) throws Exception {
        try (Pymalloc pm = new Pymalloc(Geometry.CPYTHON310, LibcAllocator.INSTANCE, MmapArenaAllocator.INSTANCE, true,
                frontCache)) {
            Set<Long> live = ConcurrentHashMap.newKeySet();
            ConcurrentLinkedQueue<Stamped> handoff = new ConcurrentLinkedQueue<>();
            CyclicBarrier start = new CyclicBarrier(THREADS);
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<Integer>> results = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    long seed = t;
                    results.add(pool.submit(() -> {
                        SplittableRandom rnd = new SplittableRandom(seed);
                        start.await();
                        int crossFrees = 0;
                        for (int i = 0; i < ROUNDS; i++) {
                            int size = rnd.nextInt(10) == 0 ? rnd.nextInt(513, 2000) : rnd.nextInt(1, 513);
                            long p = rnd.nextBoolean() ? pm.malloc(size) : pm.realloc(pm.malloc(size / 2 + 1), size);
                            assertTrue(live.add(p), "0x" + Long.toHexString(p) + " handed out twice");
                            byte stamp = (byte) rnd.nextInt();
                            NativeMemory.fill(p, size, stamp);
                            handoff.add(new Stamped(p, size, stamp));
                            if (rnd.nextInt(3) != 0) {
                                Stamped s = handoff.poll();
                                if (s != null) {
                                    assertEquals(-1, NativeMemory.findNot(s.address(), s.size(), s.stamp()), "overwritten");
                                    assertTrue(live.remove(s.address()));
                                    pm.free(s.address());
                                    crossFrees++;
                                }
                            }
                        }
                        return crossFrees;
                    }));
                }
                int frees = 0;
                for (Future<Integer> f : results) {
                    frees += f.get();
                }
                assertTrue(frees > ROUNDS, "blocks went between threads");
            } finally {
                pool.shutdown();
                assertTrue(pool.awaitTermination(1, TimeUnit.MINUTES));
            }
            PymallocStats mid = pm.stats();
            assertEquals(handoff.size(), mid.allocatedBlocks(), "stats count every live block");
            for (Stamped s; (s = handoff.poll()) != null; ) {
                assertEquals(-1, NativeMemory.findNot(s.address(), s.size(), s.stamp()));
                pm.free(s.address());
            }
            pm.collect();
            PymallocStats end = pm.stats();
            assertEquals(0, end.allocatedBlocks());
            assertEquals(1, end.arenasAllocatedCurrent(), "every arena but the last usable one went back");
        }
    }
}
