package io.pymem4j.tracemalloc;

import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.spi.AlignedAllocation;
import io.pymem4j.spi.UsableSize;

/**
 * The {@code tracemalloc} hook over one domain: forwards every call to the allocator below
 * and, while its tracer is tracing, records or forgets the block's trace in the tracer's
 * {@link TraceStore}. Blocks pass through unchanged (the layer is transparent). While not
 * tracing, a call costs one read of a volatile flag. While tracing is sampled, an
 * allocation of a block that is not sampled costs a second volatile read and the thread's
 * countdown ({@link TraceStore#sample}), and a free of one a byte read
 * ({@link SampledAddresses}). Aligned allocations are traced as malloc's; usable sizes are
 * the layer below's.
 */
final class TracemallocLayer implements PyMemAllocatorEx, AlignedAllocation, UsableSize {

    private final TraceStore tracer;
    private final int domain;
    private final PyMemAllocatorEx below;
    private final ThreadSamplers samplers;
    private final SampledAddresses sampledAddresses;

    TracemallocLayer(TraceStore tracer, int domain, PyMemAllocatorEx below) {
        this.tracer = tracer;
        this.domain = domain;
        this.below = below;
        this.samplers = tracer.samplers;
        this.sampledAddresses = tracer.sampledAddresses;
    }

    /** Whether a new block of {@code size} bytes is traced in {@code mode}, which is not {@link TraceStore#OFF}. */
    private boolean traces(long size, long mode) {
        return mode == TraceStore.EXACT || samplers.sample(size, mode);
    }

    // Each allocating method walks the stack itself rather than through a shared helper or the
    // tracer: the walk fetches every frame between it and the caller, and the tracer's methods
    // would be frames too. Recording the walked stack is shared (traced).

    @Override
    public long malloc(long size) {
        long p = below.malloc(size);
        long mode = tracer.mode;
        if (mode != TraceStore.OFF && p != 0 && traces(size, mode)) {
            StackCapture c;
            try {
                c = tracer.captures.capturing();
                c.walker.walk(c);
            } catch (OutOfMemoryError e) {
                c = null;
            }
            return traced(p, size, mode != TraceStore.EXACT, c);
        }
        return p;
    }

    @Override
    public long calloc(long nelem, long elsize) {
        long p = below.calloc(nelem, elsize);
        long size = nelem * elsize;
        long mode = tracer.mode;
        if (mode != TraceStore.OFF && p != 0 && traces(size, mode)) {
            StackCapture c;
            try {
                c = tracer.captures.capturing();
                c.walker.walk(c);
            } catch (OutOfMemoryError e) {
                c = null;
            }
            return traced(p, size, mode != TraceStore.EXACT, c);
        }
        return p;
    }

    @Override
    public long alignedMalloc(long alignment, long size) {
        if (!(below instanceof AlignedAllocation aligned)) {
            throw new UnsupportedOperationException("tracemalloc: the allocator below, " + below
                    + ", cannot align a block to " + alignment + " bytes");
        }
        long p = aligned.alignedMalloc(alignment, size);
        long mode = tracer.mode;
        if (mode != TraceStore.OFF && p != 0 && traces(size, mode)) {
            StackCapture c;
            try {
                c = tracer.captures.capturing();
                c.walker.walk(c);
            } catch (OutOfMemoryError e) {
                c = null;
            }
            return traced(p, size, mode != TraceStore.EXACT, c);
        }
        return p;
    }

    /**
     * Records the trace of the new block {@code p} with the stack its caller walked: {@code p},
     * or 0 once the block is given back, when the walk ({@code c} null) or the record ran out
     * of memory.
     */
    private long traced(long p, long size, boolean sampled, StackCapture c) {
        boolean traced;
        try {
            traced = c != null && tracer.addTrace(domain, p, size, sampled, c);
        } catch (OutOfMemoryError e) {
            traced = false;
        }
        if (!traced) {
            below.free(p);
            return 0;
        }
        return p;
    }

    @Override
    public long usableSize(long p) {
        return below instanceof UsableSize u ? u.usableSize(p) : UNKNOWN;
    }

    @Override
    public long realloc(long ptr, long newSize) {
        long mode = tracer.mode;
        if (mode == TraceStore.OFF) {
            return below.realloc(ptr, newSize);
        }
        if (mode != TraceStore.EXACT) {
            return tracer.reallocSampled(domain, below, ptr, newSize, mode);
        }
        StackCapture c = tracer.captures.capturing();
        c.walker.walk(c);
        return tracer.realloc(domain, below, ptr, newSize, c);
    }

    @Override
    public void free(long ptr) {
        long mode = tracer.mode;
        if (mode == TraceStore.OFF || ptr == 0 || mode != TraceStore.EXACT && !sampledAddresses.mayContain(ptr)) {
            below.free(ptr);
        } else {
            tracer.free(domain, below, ptr);
        }
    }

    @Override
    public String toString() {
        return "tracemalloc(" + below + ")";
    }
}
