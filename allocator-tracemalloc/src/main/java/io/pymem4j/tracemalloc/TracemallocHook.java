package io.pymem4j.tracemalloc;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.spi.BlockTracebacks;
import io.pymem4j.spi.Hook;
import io.pymem4j.spi.LayerLifecycle;
import io.pymem4j.spi.LiveBlocks;

import java.util.ArrayList;
import java.util.List;

/**
 * The tracemalloc layer's state in one runtime: it wraps each domain with a
 * {@link TracemallocLayer} over the runtime's {@link Tracemalloc}, and offers the
 * tracebacks of live blocks to other layers' reports ({@code _PyMem_DumpTraceback}), and the
 * ids of tracebacks (its interned tracebacks' ids) for their records of freed blocks.
 *
 * <p>When the runtime closes it lists the traced blocks still live, then stops tracing,
 * which clears every trace. Its allocators then forward every call to the layers below,
 * which refuse it (the built-in backends and the debug layer do).
 */
final class TracemallocHook implements Hook, BlockTracebacks, LayerLifecycle {

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
        return sourceLines(tracer.getTraceback(domain.ordinal(), address));
    }

    @Override
    public int tracebackId(PyMemAllocatorDomain domain, long address) {
        return tracer.store.tracebackId(domain.ordinal(), address);
    }

    @Override
    public int captureTraceback() {
        return tracer.store.captureTracebackId();
    }

    @Override
    public List<BlockTracebacks.SourceLine> framesOf(int id) {
        return id == NO_TRACEBACK ? null : sourceLines(tracer.store.tracebackOfId(id));
    }

    /** The frames of {@code tb} most recent first, as reports print them; null for null. */
    static List<BlockTracebacks.SourceLine> sourceLines(Traceback tb) {
        if (tb == null) {
            return null;
        }
        List<BlockTracebacks.SourceLine> frames = new ArrayList<>(tb.size());
        for (int i = tb.size() - 1; i >= 0; i--) {
            Frame f = tb.get(i);
            frames.add(new BlockTracebacks.SourceLine(f.filename(), f.lineno(), f.className(), f.methodName()));
        }
        return frames;
    }

    /** The traced blocks still live (null when not tracing), with the first ones' tracebacks. */
    @Override
    public LiveBlocks beforeClose() {
        return tracer.store.liveBlocks(LiveBlocks.SAMPLE);
    }

    /** Stops tracing, which clears every trace, traceback and frame. */
    @Override
    public void close() {
        tracer.stop();
    }
}
