package io.pymem4j.bench;

import io.pymem4j.api.InterpreterLock;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.runtime.PyMemRuntime;
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
 * iteration ({@link GilHeldPerIteration}), as a Python thread holds the GIL between
 * switches; the two-thread benchmarks take it around each call, as two threads calling
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
    /**
     * The OBJ allocator as the {@code two-thread} benchmarks call it: {@link #obj} itself,
     * or in GIL mode a view that takes the interpreter lock around each call.
     */
    PyMemAllocatorEx perCall;

    @Setup(Level.Trial)
    public void setUp() {
        runtime = BenchStack.parse(stack).runtime();
        obj = runtime.getAllocator(PyMemAllocatorDomain.OBJ);
        gil = runtime.interpreterLock();
        perCall = gil == null ? obj : new GilHeldPerCall(obj, gil);
    }

    /** Each call under the interpreter lock, as a thread calling {@code PyObject_Malloc} through {@code PyGILState_Ensure}. */
    private record GilHeldPerCall(PyMemAllocatorEx a, InterpreterLock gil) implements PyMemAllocatorEx {
        @Override
        public long malloc(long size) {
            gil.acquire();
            try {
                return a.malloc(size);
            } finally {
                gil.release();
            }
        }

        @Override
        public long calloc(long nelem, long elsize) {
            gil.acquire();
            try {
                return a.calloc(nelem, elsize);
            } finally {
                gil.release();
            }
        }

        @Override
        public long realloc(long ptr, long newSize) {
            gil.acquire();
            try {
                return a.realloc(ptr, newSize);
            } finally {
                gil.release();
            }
        }

        @Override
        public void free(long ptr) {
            gil.acquire();
            try {
                a.free(ptr);
            } finally {
                gil.release();
            }
        }
    }

    /** Holds the stack's interpreter lock (GIL mode only) for each iteration of a one-thread benchmark. */
    @State(Scope.Thread)
    public static class GilHeldPerIteration {
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
