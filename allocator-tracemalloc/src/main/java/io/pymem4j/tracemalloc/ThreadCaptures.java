package io.pymem4j.tracemalloc;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Every thread's {@link StackCapture} buffer for one tracer, the table of frames they share
 * (one {@link Frame} per code location), and what a capture takes: the traceback limit,
 * whether all frames are counted, and the frames left out beyond the machinery. The settings
 * are volatile, read by each capture without a lock.
 */
final class ThreadCaptures {

    private final ThreadLocal<StackCapture> captures = ThreadLocal.withInitial(StackCapture::new);
    private final ConcurrentHashMap<StackCapture.Location, Frame> frameTable = new ConcurrentHashMap<>();
    /** Moves when the frame table is cleared, so that every thread drops its cached frames. */
    private volatile int frameEpoch;
    /** The frames a traceback keeps. */
    volatile int limit = 1;
    /** Whether a capture walks the whole stack to count its frames (else it stops at the limit + 1). */
    volatile boolean countAll;
    /** The frames left out beyond the machinery (a test framework's), or null. */
    volatile FrameHiding hiding;

    /** The calling thread's buffer, as its last capture left it. */
    StackCapture thread() {
        return captures.get();
    }

    /** Captures the calling thread's stack into its buffer. */
    StackCapture capture() {
        StackCapture c = captures.get();
        c.capture(limit, countAll, frameTable, frameEpoch, hiding);
        return c;
    }

    /**
     * The calling thread's buffer, set up for a walk the caller makes itself with
     * {@code c.walker.walk(c)}: the walk then starts at the caller's frame, and fetches no
     * frame between it and the caller's caller.
     */
    StackCapture capturing() {
        StackCapture c = captures.get();
        c.prepare(limit, countAll, frameTable, frameEpoch, hiding);
        return c;
    }

    /** Forgets every frame; each thread drops its cached ones at its next capture. */
    void clearFrames() {
        frameTable.clear();
        frameEpoch++;
    }

    /** An estimate of the bytes the frame table takes on the Java heap. */
    long memoryUsage() {
        return frameTable.size() * 160L;
    }
}
