package io.pymem4j.tracemalloc;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.runtime.PyMemRuntime;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Tracing started, stopped and switched between exact and sampled while threads allocate and free. */
class SampledConcurrencyTest {

    private static final int THREADS = 4;

    @Test
    void startAndStopWhileThreadsAllocateLeaveNoTraceOnceEveryBlockIsFreed() throws Exception {
        PyMemRuntime rt = PyMemRuntime.create("malloc+tracemalloc");
        Tracemalloc tm = Tracemalloc.of(rt);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        AtomicBoolean done = new AtomicBoolean();
        CountDownLatch started = new CountDownLatch(THREADS);
        try {
            List<Future<List<long[]>>> workers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int seed = t;
                workers.add(pool.submit(() -> churn(rt, seed, done, started)));
            }
            started.await();
            for (int i = 0; i < 60; i++) {
                switch (i % 3) {
                    case 0 -> tm.start(1, 2048);
                    case 1 -> tm.start(2);
                    default -> tm.start(1, 64);
                }
                Thread.sleep(2);
                tm.takeSnapshot().statistics("lineno");
                tm.stop();
            }
            tm.start(1, 2048);
            Thread.sleep(20);
            done.set(true);
            for (Future<List<long[]>> w : workers) {
                for (long[] b : w.get(60, TimeUnit.SECONDS)) {
                    rt.free(PyMemAllocatorDomain.ofValue((int) b[1]), b[0]);
                }
            }
            assertEquals(0, tm.takeSnapshot().traces().size());
            assertEquals(new Tracemalloc.TracedMemory(0, tm.getTracedMemory().peak()), tm.getTracedMemory());
        } finally {
            done.set(true);
            pool.shutdownNow();
            tm.stop();
        }
    }

    /** Allocates, reallocates and frees until told to stop; returns the blocks still live {address, domain}. */
    private static List<long[]> churn(PyMemRuntime rt, int seed, AtomicBoolean done, CountDownLatch started) {
        SplittableRandom random = new SplittableRandom(seed);
        List<long[]> live = new ArrayList<>();
        started.countDown();
        while (!done.get()) {
            int op = random.nextInt(10);
            if (op < 5 || live.isEmpty()) {
                PyMemAllocatorDomain d = PyMemAllocatorDomain.ofValue(random.nextInt(3));
                live.add(new long[]{rt.malloc(d, 1 + random.nextInt(3000)), d.ordinal()});
            } else if (op < 7) {
                long[] b = live.get(random.nextInt(live.size()));
                b[0] = rt.realloc(PyMemAllocatorDomain.ofValue((int) b[1]), b[0], 1 + random.nextInt(5000));
            } else {
                long[] b = live.remove(random.nextInt(live.size()));
                rt.free(PyMemAllocatorDomain.ofValue((int) b[1]), b[0]);
            }
            if (live.size() > 2000) {
                long[] b = live.remove(0);
                rt.free(PyMemAllocatorDomain.ofValue((int) b[1]), b[0]);
            }
        }
        return live;
    }
}
