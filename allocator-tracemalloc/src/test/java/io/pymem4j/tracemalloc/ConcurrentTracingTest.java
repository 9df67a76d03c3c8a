package io.pymem4j.tracemalloc;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.runtime.PyMemRuntime;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Threads allocating, reallocating and freeing while another takes snapshots. */
class ConcurrentTracingTest {

    private static final int THREADS = 4;
    private static final int OPS = 15_000;

    /** Per thread: blocks kept live at the end, and their total size. */
    private record Kept(List<long[]> blocks, long bytes) {
    }

    @Test
    void finalTracedMemoryEqualsTheLiveBytesWhileSnapshotsAreTaken() throws Exception {
        PyMemRuntime rt = PyMemRuntime.create("malloc+tracemalloc");
        Tracemalloc tm = Tracemalloc.of(rt);
        tm.start(2);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);
        CyclicBarrier go = new CyclicBarrier(THREADS + 1);
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger snapshots = new AtomicInteger();
        try {
            List<Future<Kept>> workers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int seed = t;
                workers.add(pool.submit(() -> work(rt, seed, go)));
            }
            Future<?> snapper = pool.submit(() -> {
                go.await();
                while (!done.get()) {
                    Snapshot s = tm.takeSnapshot();
                    long sum = s.traces().stream().mapToLong(Trace::size).sum();
                    assertTrue(sum >= 0);
                    s.statistics("lineno");
                    snapshots.incrementAndGet();
                }
                return null;
            });
            long live = 0;
            List<long[]> kept = new ArrayList<>();
            for (Future<Kept> w : workers) {
                Kept k = w.get(60, TimeUnit.SECONDS);
                live += k.bytes();
                kept.addAll(k.blocks());
            }
            done.set(true);
            snapper.get(60, TimeUnit.SECONDS);
            assertTrue(snapshots.get() > 0);
            assertEquals(live, tm.getTracedMemory().current());
            Snapshot last = tm.takeSnapshot();
            assertEquals(kept.size(), last.traces().size());
            assertEquals(live, last.traces().stream().mapToLong(Trace::size).sum());
            for (long[] b : kept) {
                rt.free(PyMemAllocatorDomain.ofValue((int) b[2]), b[0]);
            }
            assertEquals(0, tm.getTracedMemory().current());
        } finally {
            done.set(true);
            pool.shutdownNow();
            tm.stop();
        }
    }

    private static Kept work(PyMemRuntime rt, int seed, CyclicBarrier go) throws Exception {
        java.util.Random random = new java.util.Random(seed);
        List<long[]> live = new ArrayList<>(); // {address, size, domain}
        go.await();
        for (int i = 0; i < OPS; i++) {
            int op = random.nextInt(10);
            if (op < 5 || live.isEmpty()) {
                PyMemAllocatorDomain d = PyMemAllocatorDomain.ofValue(random.nextInt(3));
                long size = 1 + random.nextInt(2000);
                live.add(new long[]{rt.malloc(d, size), size, d.ordinal()});
            } else if (op < 7) {
                long[] b = live.get(random.nextInt(live.size()));
                long size = 1 + random.nextInt(5000);
                long q = rt.realloc(PyMemAllocatorDomain.ofValue((int) b[2]), b[0], size);
                b[0] = q;
                b[1] = size;
            } else {
                long[] b = live.remove(random.nextInt(live.size()));
                rt.free(PyMemAllocatorDomain.ofValue((int) b[2]), b[0]);
            }
        }
        return new Kept(live, live.stream().mapToLong(b -> b[1]).sum());
    }
}
