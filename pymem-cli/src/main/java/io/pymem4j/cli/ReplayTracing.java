package io.pymem4j.cli;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.tracemalloc.FlameGraph;
import io.pymem4j.tracemalloc.Snapshot;
import io.pymem4j.tracemalloc.Statistic;
import io.pymem4j.tracemalloc.Trace;
import io.pymem4j.tracemalloc.TracedEstimate;
import io.pymem4j.tracemalloc.Tracemalloc;

import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code pymem replay --tracemalloc N} adds to a replay: tracing through the whole
 * replay (warm-up and timed runs alike, so the timings include its cost), and a snapshot at
 * the end of the last run's events, before the replayer frees the blocks the traced process
 * never freed.
 *
 * <p>The tracebacks are the Java frames of the replay engine that called the allocator: a
 * {@code .pymt} trace records the calls, not the Python code that made them, so there is no
 * Python traceback to attach. Each op of the engine has a call site for RAW and one that MEM
 * and OBJ share (see {@code ReplayEngine}), so the {@code lineno} statistics tell the ops
 * apart, and RAW from the two Python domains, but not MEM from OBJ; each trace of the
 * snapshot carries its domain, though, and {@link #perDomainAtEnd()} sums them by it.
 * With a sampling interval, every figure is the snapshot's estimate.
 */
final class ReplayTracing {

    private final Tracemalloc tracer;
    private Snapshot atEnd;
    private Tracemalloc.TracedMemoryEstimate memoryAtEnd;

    private ReplayTracing(Tracemalloc tracer) {
        this.tracer = tracer;
    }

    /**
     * Starts tracing {@code runtime} with {@code nframe} frames, a sample of mean interval
     * {@code samplingInterval} bytes (0: every block), adding the layer to its stack if needed.
     */
    static ReplayTracing start(PyMemRuntime runtime, int nframe, long samplingInterval) {
        Tracemalloc tm = Tracemalloc.of(runtime);
        tm.start(nframe, samplingInterval);
        return new ReplayTracing(tm);
    }

    /** The replay's end-of-trace hook: records the traced memory and takes the snapshot. */
    void atEndOfTrace() {
        memoryAtEnd = tracer.getTracedMemoryEstimate();
        atEnd = tracer.takeSnapshot();
    }

    /** The sampling interval of the tracing in force (a configured one wins); 0 when exact. */
    long samplingInterval() {
        return atEnd != null ? atEnd.samplingInterval() : tracer.getSamplingInterval();
    }

    /** The traceback limit in force (a limit set by configuration wins over the command's). */
    int tracebackLimit() {
        return tracer.getTracebackLimit();
    }

    /** The most bytes traced at once during the replay (an estimate when sampled); read before {@link #stop()}. */
    TracedEstimate peak() {
        return tracer.getTracedMemoryEstimate().peak();
    }

    /** The bytes traced at the end of the trace, before its live blocks were freed. */
    long currentBytesAtEnd() {
        return memoryAtEnd.current().rounded();
    }

    /** {@link #currentBytesAtEnd()} with its standard error. */
    TracedEstimate currentAtEnd() {
        return memoryAtEnd.current();
    }

    /** The blocks traced at the end of the trace (estimated when sampled). */
    long blocksAtEnd() {
        return atEnd.countEstimate().rounded();
    }

    /** The sampled blocks live at the end of the trace (all of them when exact). */
    int sampledBlocksAtEnd() {
        return atEnd.traces().size();
    }

    /** Bytes and blocks traced in one domain. */
    record Traced(long size, long count) {
    }

    /** What was traced at the end of the trace, by domain (every domain present, in order). */
    Map<PyMemAllocatorDomain, Traced> perDomainAtEnd() {
        long[] size = new long[PyMemAllocatorDomain.values().length];
        double[] count = new double[size.length];
        for (Trace t : atEnd.traces()) {
            size[t.domain()] += atEnd.estimatedSize(t);
            count[t.domain()] += atEnd.estimatedCount(t);
        }
        Map<PyMemAllocatorDomain, Traced> m = new EnumMap<>(PyMemAllocatorDomain.class);
        for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
            m.put(d, new Traced(size[d.ordinal()], Math.round(count[d.ordinal()])));
        }
        return m;
    }

    /** The first {@code k} of the snapshot's {@code statistics('lineno')}. */
    List<Statistic> top(int k) {
        List<Statistic> stats = atEnd.statistics("lineno");
        return stats.subList(0, Math.min(k, stats.size()));
    }

    /** Writes the flame graph of the end-of-trace snapshot to {@code file}. */
    void writeFlameGraph(Path file, String what) throws IOException {
        FlameGraph.of(atEnd).withTitle("tracemalloc: bytes by traceback, " + what).write(file);
    }

    void stop() {
        tracer.stop();
    }
}
