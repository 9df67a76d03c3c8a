package io.pymem4j.reliability;

import io.pymem4j.api.InterpreterLock;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.replay.ReplayEngine;
import io.pymem4j.replay.ReplayFailedException;
import io.pymem4j.replay.TraceFile;
import io.pymem4j.replay.TraceWriter;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.tracemalloc.Tracemalloc;

import java.io.ByteArrayInputStream;

/**
 * The child JVM of {@link OversizeCrashTest}, run only under a memory cap: on each stack
 * named in its arguments (a trailing {@code :gil} for GIL mode), with the default
 * {@code max.block}, asks every domain for a 64 TiB block by malloc, calloc and realloc, and
 * replays a one-malloc trace of that size; prints one line per stack:
 * {@code <stack> RAW=<m>,<c>,<r> MEM=... OBJ=... replay=<outcome>}, where each figure is 0 for
 * NULL and 1 for a block (freed at once). A layer that fills such a block gets the child
 * killed by the cap instead.
 */
public final class OversizeProbe {

    static final long HUGE = 1L << 46;

    private OversizeProbe() {
    }

    public static void main(String[] args) throws Exception {
        byte[] trace = new TraceWriter().malloc(PyMemAllocatorDomain.MEM, 1, HUGE).free(PyMemAllocatorDomain.MEM, 1)
                .toGzip();
        for (String arg : args) {
            boolean gil = arg.endsWith(":gil");
            String stack = gil ? arg.substring(0, arg.length() - 4) : arg;
            PyMemRuntime rt = PyMemRuntime.builder().allocator(stack).gil(gil).option("debug.policy", "throw").build();
            if (stack.contains("tracemalloc")) {
                Tracemalloc.of(rt).start(1);
            }
            StringBuilder line = new StringBuilder(arg);
            try (InterpreterLock.Held _ = StackUnderTest.hold(rt)) {
                for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
                    var a = rt.getAllocator(d);
                    long m = a.malloc(HUGE);
                    a.free(m);
                    long c = a.calloc(1, HUGE);
                    a.free(c);
                    long p = a.malloc(64);
                    long r = a.realloc(p, HUGE);
                    a.free(r == 0 ? p : r);
                    line.append(' ').append(d).append('=').append(m == 0 ? 0 : 1).append(',').append(c == 0 ? 0 : 1)
                            .append(',').append(r == 0 ? 0 : 1);
                }
            }
            String outcome;
            try {
                ReplayEngine.replay(TraceFile.read(new ByteArrayInputStream(trace), "huge.pymt"), rt, 0, 1);
                outcome = "served";
            } catch (ReplayFailedException e) {
                outcome = "failed(" + e.getMessage() + ")";
            }
            line.append(" replay=").append(outcome);
            StackUnderTest.close(rt);
            System.out.println(line);
            System.out.flush();
        }
    }
}
