package io.pymem4j.tracemalloc;

/**
 * The tracer's counters of traced memory: CPython's {@code tracemalloc_traced_memory} and
 * {@code tracemalloc_peak_traced_memory}, with, while tracing is sampled, the variance of
 * their estimates and the number of traces (the samples) behind each, from which
 * {@link TracedEstimate} makes their intervals. A trace counts its size when exact, its
 * estimate ({@link ByteSampler#estimatedBytes}) when sampled. Not thread-safe:
 * {@link TraceStore} guards it with its lock.
 */
final class TraceCounters {

    private long traced;
    private long peak;
    /** The variance of {@link #traced}'s estimate, and its value at the peak; 0 when exact. */
    private double variance;
    private double peakVariance;
    /** The traces counted, and their number at the peak. */
    private long traces;
    private long peakTraces;

    /** Counts a new trace of {@code size} bytes, sampled with mean interval {@code interval} (0: exact). */
    void add(long size, long interval) {
        traced += ByteSampler.estimatedBytes(size, interval);
        variance += ByteSampler.byteVariance(size, interval);
        traces++;
        if (traced > peak) {
            peak = traced;
            peakVariance = variance;
            peakTraces = traces;
        }
    }

    /** Takes a trace of {@code size} bytes out again. */
    void remove(long size, long interval) {
        traced -= ByteSampler.estimatedBytes(size, interval);
        variance -= ByteSampler.byteVariance(size, interval);
        traces--;
    }

    /** The peak becomes the current figure. */
    void resetPeak() {
        peak = traced;
        peakVariance = variance;
        peakTraces = traces;
    }

    /** Everything back to 0. */
    void clear() {
        traced = 0;
        peak = 0;
        variance = 0;
        peakVariance = 0;
        traces = 0;
        peakTraces = 0;
    }

    Tracemalloc.TracedMemory tracedMemory() {
        return new Tracemalloc.TracedMemory(traced, peak);
    }

    /** The current and peak figures with their standard errors and intervals, for sampling interval {@code interval}. */
    Tracemalloc.TracedMemoryEstimate estimate(long interval) {
        return new Tracemalloc.TracedMemoryEstimate(
                new TracedEstimate(traced, Math.sqrt(Math.max(0, variance)), traces, interval),
                new TracedEstimate(peak, Math.sqrt(Math.max(0, peakVariance)), peakTraces, interval), interval);
    }
}
