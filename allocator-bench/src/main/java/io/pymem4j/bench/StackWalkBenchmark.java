package io.pymem4j.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.StackWalker.StackFrame;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * What the JDK charges for the Java frames of one allocation, the floor under the tracers'
 * costs: tracemalloc walks the stack for each traced block and the guard for each sampled
 * one. Each benchmark captures from the same depth (JMH's frames and this class's), with
 * nothing else done: a 1-frame walk (a batch of 4 frames), an 8-frame walk (a batch of 12,
 * the guard's default with its machinery), the caller's class alone, and a
 * {@link Throwable}'s stack (filled, not yet turned into elements). Not one of the bench's
 * suites; run it with JMH's main on the bench's class path:
 * <pre>
 *   java -cp "allocator-bench/target/allocator-bench.jar:allocator-bench/target/lib/*" \
 *        org.openjdk.jmh.Main StackWalkBenchmark
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(3)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class StackWalkBenchmark {

    private static final Set<StackWalker.Option> OPTIONS = Set.of(StackWalker.Option.RETAIN_CLASS_REFERENCE);
    private static final StackWalker ONE = StackWalker.getInstance(OPTIONS, 4);
    private static final StackWalker EIGHT = StackWalker.getInstance(OPTIONS, 12);
    private static final StackWalker CALLER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    /** The first frame past this class's own. */
    @Benchmark
    public StackFrame walkOneFrame() {
        return ONE.walk(s -> s.skip(1).findFirst().orElse(null));
    }

    /** Eight frames taken from the iterator, as the guard takes them. */
    @Benchmark
    public StackFrame[] walkEightFrames() {
        return EIGHT.walk(s -> {
            StackFrame[] kept = new StackFrame[8];
            Iterator<StackFrame> it = s.iterator();
            for (int n = 0; n < kept.length && it.hasNext(); n++) {
                kept[n] = it.next();
            }
            return kept;
        });
    }

    @Benchmark
    public Class<?> callerClass() {
        return CALLER.getCallerClass();
    }

    @Benchmark
    public Throwable throwableStack() {
        return new Throwable();
    }
}
