package io.pymem4j.tracemalloc;

import io.pymem4j.runtime.PyMemRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static io.pymem4j.api.PyMemAllocatorDomain.MEM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The stack walk and the frame caches behind every traced allocation. */
class StackCaptureTest {

    private static final String THIS_FILE = "io/pymem4j/tracemalloc/StackCaptureTest.java";

    private PyMemRuntime rt;
    private Tracemalloc tm;

    @BeforeEach
    void startTracing() {
        rt = PyMemRuntime.create("malloc+tracemalloc");
        tm = Tracemalloc.of(rt);
    }

    @AfterEach
    void stopTracing() {
        tm.stop();
    }

    private static int nextLine() {
        return StackWalker.getInstance().walk(s -> s.skip(1).findFirst().orElseThrow().getLineNumber()) + 1;
    }

    /** The line of {@link #allocate()}'s call of the allocator, set by its first call. */
    private int allocateLine;

    private long allocate() {
        allocateLine = nextLine();
        return rt.memMalloc(32);
    }

    @Test
    void aLocationIsOneFrameAndOnePathOneTracebackForEveryThread() throws InterruptedException {
        tm.start(1);
        long mine = allocate();
        AtomicLong theirs = new AtomicLong();
        Thread t = new Thread(() -> theirs.set(allocate()));
        t.start();
        t.join();
        Traceback a = tm.getObjectTraceback(mine);
        Traceback b = tm.getObjectTraceback(theirs.get());
        assertSame(a, b);
        assertEquals(new Frame(THIS_FILE, allocateLine, StackCaptureTest.class.getName(), "allocate"), a.get(0));
        rt.memFree(mine);
        rt.memFree(theirs.get());
    }

    @Test
    void clearTracesDropsTheFramesEveryThreadHasCached() {
        tm.start(1);
        long p = allocate();
        Frame before = tm.getObjectTraceback(p).get(0);
        tm.clearTraces();
        long q = allocate();
        Frame after = tm.getObjectTraceback(q).get(0);
        assertEquals(before, after);
        assertNotSame(before, after, "a frame from the cache that clear_traces emptied");
        rt.memFree(p);
        rt.memFree(q);
    }

    @Test
    void aCallThroughMoreMachineryFramesIsStillCutAtTheCaller() {
        tm.start(3);
        long direct = allocate();
        int line = nextLine();
        MemorySegment viaFfm = rt.segmentAllocator(MEM).allocate(16);
        long again = allocate();
        Traceback t = tm.getObjectTraceback(viaFfm.address());
        assertEquals(3, t.size());
        assertEquals(new Frame(THIS_FILE, line, StackCaptureTest.class.getName(),
                "aCallThroughMoreMachineryFramesIsStillCutAtTheCaller"), t.mostRecent());
        assertSame(tm.getObjectTraceback(direct).mostRecent(), tm.getObjectTraceback(again).mostRecent());
        assertEquals(3, tm.getObjectTraceback(again).size());
        rt.memFree(direct);
        rt.free(MEM, viaFfm);
        rt.memFree(again);
    }

    @Test
    void reflectionFramesAreSkippedAsAStackWalkerHidesThem() throws ReflectiveOperationException {
        tm.start(2);
        int line = nextLine();
        long p = (long) StackCaptureTest.class.getDeclaredMethod("allocate").invoke(this);
        Traceback t = tm.getObjectTraceback(p);
        assertEquals(List.of(new Frame(THIS_FILE, line, StackCaptureTest.class.getName(),
                        "reflectionFramesAreSkippedAsAStackWalkerHidesThem"),
                new Frame(THIS_FILE, allocateLine, StackCaptureTest.class.getName(), "allocate")), t);
        rt.memFree(p);
    }

    @Test
    void aStackShorterThanTheLimitGivesItsExactTotal() throws InterruptedException {
        tm.start(1000);
        AtomicLong block = new AtomicLong();
        Thread t = new Thread(() -> block.set(rt.memMalloc(8)));
        t.start();
        t.join();
        Traceback tb = tm.getObjectTraceback(block.get());
        assertEquals(tb.size(), tb.totalNframe().orElseThrow());
        assertEquals(Thread.class.getName(), tb.get(0).className(), "the oldest frame: " + tb.repr());
        rt.memFree(block.get());
    }
}
