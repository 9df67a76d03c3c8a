package io.pymem4j.tracemalloc;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.spi.RuntimeStatistics;
import io.pymem4j.spi.RuntimeView;

import java.util.Map;
import java.util.Optional;

/**
 * The {@code tracemalloc} section of a runtime's MXBean (keys in the package documentation),
 * when the runtime's stack has the layer: {@code get_traced_memory()} (current and peak over
 * all domains), the tracer's own memory, and per domain the traced bytes and blocks now,
 * summed from a snapshot (a copy of every trace, so a read costs time in proportion to the
 * live blocks). tracemalloc keeps one peak for all domains, so there is no per-domain peak.
 * While tracing is sampled, the bytes and blocks are estimates (see {@link Tracemalloc}).
 *
 * @since 0.1
 */
public final class TracemallocStatistics implements RuntimeStatistics {

    /** Made by {@link java.util.ServiceLoader}, which finds this class in the module's services. */
    public TracemallocStatistics() {
    }

    @Override
    public void collect(RuntimeView runtime, Map<String, Long> figures) {
        Optional<TracemallocHook> layer = runtime.findHook(TracemallocHook.class);
        if (layer.isEmpty()) {
            return;
        }
        Tracemalloc tm = layer.get().tracer();
        boolean tracing = tm.isTracing();
        figures.put("tracemalloc.tracing", tracing ? 1L : 0L);
        figures.put("tracemalloc.tracebackLimit", (long) tm.getTracebackLimit());
        figures.put("tracemalloc.samplingInterval", tm.getSamplingInterval());
        Tracemalloc.TracedMemory traced = tm.getTracedMemory();
        figures.put("tracemalloc.current", traced.current());
        figures.put("tracemalloc.peak", traced.peak());
        figures.put("tracemalloc.memory", tm.getTracemallocMemory());
        long[] bytes = new long[PyMemAllocatorDomain.values().length];
        long[] blocks = new long[bytes.length];
        if (tracing) {
            try {
                Snapshot s = tm.takeSnapshot();
                double[] weights = new double[bytes.length];
                for (Trace t : s.traces()) {
                    if (t.domain() >= 0 && t.domain() < bytes.length) {
                        bytes[t.domain()] += s.estimatedSize(t);
                        weights[t.domain()] += s.estimatedCount(t);
                    }
                }
                for (int d = 0; d < blocks.length; d++) {
                    blocks[d] = Math.round(weights[d]);
                }
            } catch (IllegalStateException stoppedMeanwhile) {
                // Tracing stopped between the two calls: every trace is gone, the sums are 0.
            }
        }
        for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
            figures.put("tracemalloc." + d + ".current", bytes[d.ordinal()]);
            figures.put("tracemalloc." + d + ".blocks", blocks[d.ordinal()]);
        }
    }
}
