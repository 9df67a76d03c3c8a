package io.pymem4j.replay;

import io.pymem4j.api.PyMemAllocatorDomain;

import java.util.Arrays;

/**
 * What one {@link ReplayEngine#replay} measured: the time of each timed run, the calls each
 * run made, and the process's resident memory.
 *
 * <p>The calls are an accounting, not a count taken in the loop (which would slow it): a run
 * makes exactly the trace's events, plus one free per block live at the end, in that
 * block's domain.
 *
 * @since 0.1
 */
public final class ReplayResult {

    private final String trace;
    private final String allocator;
    private final long events;
    private final int warmup;
    private final long[] runNanos;
    private final long[] calls = new long[TraceOp.TAGS];
    private final long baseRssKib;
    private final long peakRssKib;

    ReplayResult(TraceFile trace, String allocator, int warmup, long[] runNanos, long baseRssKib, long peakRssKib) {
        this.trace = trace.name();
        this.allocator = allocator;
        this.events = trace.eventCount();
        this.warmup = warmup;
        this.runNanos = runNanos.clone();
        this.baseRssKib = baseRssKib;
        this.peakRssKib = peakRssKib;
        for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
            for (TraceOp op : TraceOp.values()) {
                calls[op.tag(d)] = trace.count(d, op) + (op == TraceOp.FREE ? trace.liveAtEnd(d) : 0);
            }
        }
    }

    /** The trace's name. */
    public String trace() {
        return trace;
    }

    /** The stack's name, as the runtime gives it ({@code PyMemRuntime.currentAllocatorName()}). */
    public String allocator() {
        return allocator;
    }

    /** Events per run. */
    public long events() {
        return events;
    }

    public int warmup() {
        return warmup;
    }

    /** Timed runs. */
    public int runs() {
        return runNanos.length;
    }

    /** Each timed run's event loop, in nanoseconds, in run order. */
    public long[] runNanos() {
        return runNanos.clone();
    }

    /** The median run's nanoseconds (the mean of the middle two for an even count). */
    public double medianNanos() {
        long[] sorted = runNanos.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2.0;
    }

    /** The fastest run's nanoseconds. */
    public long minNanos() {
        return Arrays.stream(runNanos).min().orElseThrow();
    }

    public double medianNsPerEvent() {
        return events == 0 ? 0 : medianNanos() / events;
    }

    public double minNsPerEvent() {
        return events == 0 ? 0 : (double) minNanos() / events;
    }

    /** Events per second at the median run's speed. */
    public double eventsPerSecond() {
        double ns = medianNanos();
        return ns == 0 ? 0 : events * 1e9 / ns;
    }

    /** The calls of {@code op} each run made in {@code domain}, frees of the blocks live at the end included. */
    public long calls(PyMemAllocatorDomain domain, TraceOp op) {
        return calls[op.tag(domain)];
    }

    /** RSS in KiB just before the timed runs, or -1 where procfs does not say. */
    public long baseRssKib() {
        return baseRssKib;
    }

    /** The RSS high-water mark (VmHWM) in KiB after the timed runs, or -1 where procfs does not say. */
    public long peakRssKib() {
        return peakRssKib;
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "%s on %s: %d events x %d runs, median %.2f ns/event, min %.2f",
                allocator, trace, events, runs(), medianNsPerEvent(), minNsPerEvent());
    }
}
