package io.pymem4j.reliability;

import io.pymem4j.runtime.PyMemRuntime;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The child JVM of {@link PymallocNoGilTest}: on {@code pymalloc_debug} in GIL mode under
 * {@code debug.policy=log}, one thread holds the interpreter lock and another does not, and
 * each runs {@code memFree(memMalloc(32))} {@value #ROUNDS} times (or for
 * {@value #MAX_MILLIS} ms). Before the fix the second thread's calls ran into lock-free
 * pymalloc at the same time as the first's and crashed the JVM within a second. Prints
 * {@link #DONE} and how many of the second thread's allocations returned a block.
 */
final class PymallocNoGilProgram {

    static final String DONE = "done; blocks handed out without the lock: ";
    static final int ROUNDS = 2_000_000;
    static final long MAX_MILLIS = 1_500;

    private PymallocNoGilProgram() {
    }

    public static void main(String[] args) throws InterruptedException {
        PyMemRuntime rt = PyMemRuntime.builder().allocator("pymalloc_debug").gil(true)
                .option("debug.policy", "log").build();
        CountDownLatch start = new CountDownLatch(1);
        AtomicLong servedWithoutLock = new AtomicLong();
        long deadline = System.nanoTime() + MAX_MILLIS * 1_000_000;
        Thread holder = new Thread(() -> {
            await(start);
            try (var _ = rt.interpreterLock().hold()) {
                for (int i = 0; i < ROUNDS && System.nanoTime() < deadline; i++) {
                    rt.memFree(rt.memMalloc(32));
                }
            }
        });
        Thread rogue = new Thread(() -> {
            await(start);
            long served = 0;
            for (int i = 0; i < ROUNDS && System.nanoTime() < deadline; i++) {
                long p = rt.memMalloc(32);
                if (p != 0) {
                    served++;
                }
                rt.memFree(p);
            }
            servedWithoutLock.set(served);
        });
        holder.start();
        rogue.start();
        start.countDown();
        holder.join();
        rogue.join();
        System.out.println(DONE + servedWithoutLock.get());
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
