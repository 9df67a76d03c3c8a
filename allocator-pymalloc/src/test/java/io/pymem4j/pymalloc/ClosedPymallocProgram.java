package io.pymem4j.pymalloc;

import io.pymem4j.raw.LibcAllocator;
import io.pymem4j.raw.MmapArenaAllocator;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The child JVM of {@link PymallocMisuseTest}: closes a pymalloc while the main thread and
 * another thread each hold small and large blocks, then makes every kind of call from both
 * threads and prints each one that does not throw {@link IllegalStateException}. Argument:
 * {@code true} for threaded mode, {@code false} for GIL mode (the two threads then take turns).
 */
final class ClosedPymallocProgram {

    static final String DONE = "every call after close threw IllegalStateException";

    private static final List<String> failures = new ArrayList<>();
    private static volatile long otherSmall;

    private ClosedPymallocProgram() {
    }

    public static void main(String[] args) throws Exception {
        boolean threaded = Boolean.parseBoolean(args[0]);
        Pymalloc pm = new Pymalloc(Geometry.CPYTHON310, LibcAllocator.INSTANCE, MmapArenaAllocator.INSTANCE, threaded);
        long small = pm.malloc(32);
        long large = pm.malloc(4096);
        CountDownLatch allocated = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        Thread other = new Thread(() -> {
            otherSmall = pm.malloc(64);
            long otherLarge = pm.malloc(8192);
            allocated.countDown();
            try {
                closed.await();
            } catch (InterruptedException e) {
                throw new RuntimeException(e);
            }
            callsAfterClose(pm, "other thread", otherSmall, otherLarge, small);
        });
        other.start();
        allocated.await();
        pm.close();
        callsAfterClose(pm, "closing thread", small, large, otherSmall);
        closed.countDown();
        other.join();
        if (!failures.isEmpty()) {
            System.out.println(String.join("\n", failures));
            System.exit(1);
        }
        System.out.println(DONE);
    }

    private static void callsAfterClose(Pymalloc pm, String who, long small, long large, long foreignSmall) {
        expectClosed(who, "malloc(32)", () -> pm.malloc(32));
        expectClosed(who, "malloc(4096)", () -> pm.malloc(4096));
        expectClosed(who, "malloc(0)", () -> pm.malloc(0));
        expectClosed(who, "calloc(2, 16)", () -> pm.calloc(2, 16));
        expectClosed(who, "calloc(2, 4096)", () -> pm.calloc(2, 4096));
        expectClosed(who, "realloc(0, 16)", () -> pm.realloc(0, 16));
        expectClosed(who, "realloc(small, 16)", () -> pm.realloc(small, 16));
        expectClosed(who, "realloc(small, 1000)", () -> pm.realloc(small, 1000));
        expectClosed(who, "realloc(large, 100)", () -> pm.realloc(large, 100));
        expectClosed(who, "free(small)", () -> pm.free(small));
        expectClosed(who, "free(another thread's small)", () -> pm.free(foreignSmall));
        expectClosed(who, "free(large)", () -> pm.free(large));
        expectClosed(who, "collect()", pm::collect);
        expectClosed(who, "stats()", pm::stats);
    }

    private static synchronized void expectClosed(String who, String call, Runnable r) {
        try {
            r.run();
            failures.add(who + ": " + call + " returned");
        } catch (IllegalStateException expected) {
            // refused, as it should be
        } catch (RuntimeException | Error e) {
            failures.add(who + ": " + call + " threw " + e);
        }
    }
}
