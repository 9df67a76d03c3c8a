package io.pymem4j.cpython;

import java.util.List;

/**
 * What CPython's own {@code tracemalloc} saw, read in the interpreter's last {@code atexit}
 * callback, before finalization stops it.
 *
 * @param frames  the traceback limit it ran with
 * @param current traced bytes at that moment
 * @param peak    the most traced bytes at once
 * @param top     the allocation sites with the most live bytes, largest first
 * @since 0.1
 */
public record TracemallocReport(int frames, long current, long peak, List<AllocationSite> top) {

    public TracemallocReport {
        top = List.copyOf(top);
    }
}
