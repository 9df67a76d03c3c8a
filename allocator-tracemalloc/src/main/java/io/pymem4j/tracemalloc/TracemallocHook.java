package io.pymem4j.tracemalloc;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.spi.BlockTracebacks;
import io.pymem4j.spi.Hook;

import java.util.ArrayList;
import java.util.List;

/**
 * The tracemalloc layer's state in one runtime: it wraps each domain with a
 * {@link TracemallocLayer} over the runtime's {@link Tracemalloc}, and offers the
 * tracebacks of live blocks to other layers' reports ({@code _PyMem_DumpTraceback}).
 */
final class TracemallocHook implements Hook, BlockTracebacks {

    private final Tracemalloc tracer;

    TracemallocHook(Tracemalloc tracer) {
        this.tracer = tracer;
    }

    /** The runtime's tracer, the one {@code Tracemalloc.of(runtime)} returns. */
    Tracemalloc tracer() {
        return tracer;
    }

    @Override
    public PyMemAllocatorEx wrap(PyMemAllocatorDomain domain, PyMemAllocatorEx below) {
        return new TracemallocLayer(tracer.store, domain.ordinal(), below);
    }

    /**
     * Named in the runtime's name but after {@link Tracemalloc#stop()}, until it starts again:
     * CPython's {@code tracemalloc.stop()} takes its hooks off, and the name is the stack's
     * under them again. A layer named in the stack and never started keeps its name.
     */
    @Override
    public boolean named() {
        return !tracer.store.stopped();
    }

    @Override
    public boolean tracing() {
        return tracer.isTracing();
    }

    @Override
    public List<BlockTracebacks.SourceLine> frames(PyMemAllocatorDomain domain, long address) {
        Traceback tb = tracer.getTraceback(domain.ordinal(), address);
        if (tb == null) {
            return null;
        }
        List<BlockTracebacks.SourceLine> frames = new ArrayList<>(tb.size());
        for (int i = tb.size() - 1; i >= 0; i--) {
            frames.add(new BlockTracebacks.SourceLine(tb.get(i).filename(), tb.get(i).lineno()));
        }
        return frames;
    }
}
