package io.pymem4j.bench;

import io.pymem4j.api.InterpreterLock;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.api.PyMemRuntime;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A pymem4j stack under a JMH benchmark: {@link #stack} is a {@link BenchStack} label (the
 * JMH parameter {@code stack}), set up once per trial and shared by the benchmark's threads.
 * The benchmarks allocate in the OBJ domain, where CPython's objects live and pymalloc
 * serves.
 *
 * <p>GIL mode: a single-threaded benchmark holds the interpreter lock for a whole
 * iteration ({@link Held}), as a Python thread holds the GIL between switches; the
 * two-thread benchmarks take it around each call, as two threads calling
 * {@code PyObject_Malloc} through {@code PyGILState_Ensure} would.
 */
@State(Scope.Benchmark)
public class StackState {

    @Param({"pymalloc"})
    public String stack;

    PyMemRuntime runtime;
    PyMemAllocatorEx obj;
    /** The interpreter lock in GIL mode, else null. */
    InterpreterLock gil;

    @Setup(Level.Trial)
    public void setUp() {
        runtime = BenchStack.parse(stack).runtime();
        obj = runtime.getAllocator(PyMemAllocatorDomain.OBJ);
        gil = runtime.interpreterLock();
    }

    /** One malloc in {@code two-thread} benchmarks: under the interpreter lock in GIL mode. */
    long malloc(long size) {
        InterpreterLock g = gil;
        if (g == null) {
            return obj.malloc(size);
        }
        g.acquire();
        try {
            return obj.malloc(size);
        } finally {
            g.release();
        }
    }

    /** One free in {@code two-thread} benchmarks: under the interpreter lock in GIL mode. */
    void free(long p) {
        InterpreterLock g = gil;
        if (g == null) {
            obj.free(p);
            return;
        }
        g.acquire();
        try {
            obj.free(p);
        } finally {
            g.release();
        }
    }

    /** Holds the stack's interpreter lock (GIL mode only) for each iteration of a one-thread benchmark. */
    @State(Scope.Thread)
    public static class Held {
        private InterpreterLock held;

        @Setup(Level.Iteration)
        public void acquire(StackState s) {
            held = s.gil;
            if (held != null) {
                held.acquire();
            }
        }

        @TearDown(Level.Iteration)
        public void release() {
            if (held != null) {
                held.release();
                held = null;
            }
        }
    }
}
