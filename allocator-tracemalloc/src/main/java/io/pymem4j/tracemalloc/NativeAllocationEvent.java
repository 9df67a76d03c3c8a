package io.pymem4j.tracemalloc;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.MemoryAddress;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Throttle;

/**
 * The JFR event of a sampled allocation, {@value #NAME}: the block, the bytes it stands for,
 * its domain, and the Java stack JFR records with it. Off unless a recording enables it
 * ({@code jfr configure +io.pymem4j.NativeAllocation#enabled=true}, or
 * {@code -XX:StartFlightRecording:settings=...} with a {@code .jfc} that names it), and
 * throttled to {@value #DEFAULT_THROTTLE} by default as JFR's own allocation samples are
 * ({@code #throttle=...} changes that; a throttled event is dropped, its block still traced,
 * and its free not recorded). The weights are what each sampled block stands for among all
 * allocations; they do not count the events the throttle dropped, so sums of them
 * understate the totals when it drops some ({@link Tracemalloc}'s own figures do not).
 * Emitted only while tracemalloc samples ({@link Tracemalloc#start(int, long)}).
 */
@Name(NativeAllocationEvent.NAME)
@Label("Native Allocation")
@Category({"pymem4j", "Native Memory"})
@Description("A sampled allocation of native memory through a pymem4j runtime, with the Java stack that made it")
@Enabled(false)
@StackTrace(true)
@Throttle(NativeAllocationEvent.DEFAULT_THROTTLE)
final class NativeAllocationEvent extends Event {

    /** The event's name in a recording. */
    static final String NAME = "io.pymem4j.NativeAllocation";
    /** At most this many events a second unless the recording says otherwise. */
    static final String DEFAULT_THROTTLE = "300/s";

    @Label("Address")
    @MemoryAddress
    long address;

    @Label("Size")
    @Description("The bytes the caller asked for")
    @DataAmount
    long size;

    @Label("Estimated Weight")
    @Description("The bytes this sampled block stands for: size / (1 - e^(-size / sampling interval))")
    @DataAmount
    long weight;

    @Label("Sampling Interval")
    @Description("The mean distance in bytes between two sample points")
    @DataAmount
    long samplingInterval;

    @Label("Domain")
    @Description("RAW, MEM or OBJ, or the number of a domain of Tracemalloc.track")
    String domain;

    /**
     * An event to fill and {@link #commit(long, long, long, int)} when a recording takes it
     * (enabled, and not throttled away), else null: asked before the block is traced, so that
     * its trace can say whether its free is to be recorded too.
     */
    static NativeAllocationEvent ifRecorded() {
        NativeAllocationEvent e = new NativeAllocationEvent();
        return e.shouldCommit() ? e : null;
    }

    /** Fills and commits this event for a sampled block. */
    void commit(long address, long size, long interval, int domain) {
        this.address = address;
        this.size = size;
        this.weight = ByteSampler.estimatedBytes(size, interval);
        this.samplingInterval = interval;
        this.domain = domainName(domain);
        commit();
    }

    static String domainName(int domain) {
        return switch (domain) {
            case 0 -> "RAW";
            case 1 -> "MEM";
            case 2 -> "OBJ";
            default -> Integer.toString(domain);
        };
    }
}
