package io.pymem4j.tracemalloc;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.spi.LiveBlocks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The traces of one {@link Tracemalloc} and the calls the layer makes on every traced malloc,
 * free and realloc: it holds the trace tables ({@link TraceDomains}), the interned tracebacks
 * ({@link TracebackInterner}), the traced bytes and their peak ({@link TraceCounters}) and
 * the threads' capture buffers ({@link ThreadCaptures}), and keeps them consistent.
 *
 * <h2>Threads</h2>
 * The tables and counters are guarded by one lock, which every traced call takes after
 * capturing its stack outside it, and under which it re-checks {@link #tracing()}
 * (gh-128679), so a {@code stop()} racing allocating threads is safe.
 *
 * <h2>What the layer reads</h2>
 * One volatile word, {@link #mode}: {@link #OFF}, {@link #EXACT}, or the sampling interval in
 * bytes. Each call of the layer reads it once, so a call that finds tracing off costs one
 * load and one compare, and a sampled call one more compare, not two volatile reads.
 *
 * <h2>Sampled tracing</h2>
 * While {@link #mode} is an interval, the layer asks {@link ThreadSamplers#sample} whether a block
 * is sampled (each thread's {@link ByteSampler} countdown) and traces only the sampled
 * ones; the counters then add each sampled block's estimate ({@link ByteSampler#estimatedBytes})
 * and its variance, and {@link #sampledAddresses} lets a free of an unsampled block skip
 * the lock.
 */
final class TraceStore {

    /** Under the module's name, where the start and stop messages have always been logged. */
    private static final Logger log = LoggerFactory.getLogger(Tracemalloc.class);

    private final Object lock = new Object();
    /** The threads' capture buffers; the layer's allocating methods walk through {@link ThreadCaptures#capturing()}. */
    final ThreadCaptures captures = new ThreadCaptures();

    /** {@link #mode}: not tracing; the layer forwards every call. */
    static final long OFF = 0;
    /** {@link #mode}: tracing every block. */
    static final long EXACT = -1;

    /**
     * What the layer reads on every call: {@link #OFF}, {@link #EXACT}, or the mean sampling
     * interval in bytes (above 0) while tracing is sampled. Written under the lock.
     */
    volatile long mode = OFF;
    /** Addresses that may hold a sampled block: read without the lock by sampled frees. */
    final SampledAddresses sampledAddresses = new SampledAddresses();
    /** Every thread's countdown to its next sample point: read without the lock by sampled allocations. */
    final ThreadSamplers samplers = new ThreadSamplers();
    /** True from a {@link #stop()} to the next start: the runtime's name leaves the layer out then. */
    private volatile boolean stopped;

    // Guarded by lock.
    private final TraceDomains domains = new TraceDomains();
    private final TracebackInterner tracebacks = new TracebackInterner();
    private final TraceCounters counters = new TraceCounters();
    /** The session's sampling interval (0: exact), the one the counters and snapshots use. */
    private long interval;
    private long generation;
    private boolean configured;

    // ------------------------------------------------------------------ start and stop

    /**
     * Starts tracing with {@code nframe} frames per traceback, every block when
     * {@code samplingInterval} is 0, else a sample of mean interval {@code samplingInterval}
     * bytes; nothing when already tracing.
     */
    void start(int nframe, long samplingInterval) {
        synchronized (lock) {
            startLocked(nframe, samplingInterval);
        }
    }

    private void startLocked(int nframe, long samplingInterval) {
        if (!tracing()) {
            captures.limit = nframe;
            interval = samplingInterval;
            clearLocked();
            samplers.newSession();
            mode = samplingInterval == 0 ? EXACT : samplingInterval;
            stopped = false;
            if (samplingInterval == 0) {
                log.debug("tracemalloc started, traceback limit {}", nframe);
            } else {
                log.debug("tracemalloc started, traceback limit {}, sampling every {} bytes on average", nframe,
                        samplingInterval);
            }
        }
    }

    /** Stops tracing and clears every trace and counter; the traceback limit is kept. */
    void stop() {
        synchronized (lock) {
            stopped = true;
            if (tracing()) {
                mode = OFF;
                clearLocked();
                log.debug("tracemalloc stopped");
            }
        }
    }

    /** Whether tracing is on: {@link #mode} is not {@link #OFF}. */
    boolean tracing() {
        return mode != OFF;
    }

    /** True after {@link #stop()} until tracing starts again. */
    boolean stopped() {
        return stopped;
    }

    /** True once {@link #configure} ran. */
    boolean configured() {
        synchronized (lock) {
            return configured;
        }
    }

    /**
     * Applies the runtime options, once: starts tracing with {@code nframe} frames when it is
     * above 0, sampled when {@code samplingInterval} is.
     */
    void configure(int nframe, long samplingInterval) {
        synchronized (lock) {
            configured = true;
            if (nframe > 0) {
                startLocked(nframe, samplingInterval);
            }
        }
    }

    int tracebackLimit() {
        return captures.limit;
    }

    void countAllFrames(boolean all) {
        captures.countAll = all;
    }

    void hideFrames(FrameHiding h) {
        captures.hiding = h;
    }

    // ------------------------------------------------------------------ counters

    /** The traced bytes and their peak (estimates when sampled); (0, 0) when not tracing. */
    Tracemalloc.TracedMemory tracedMemory() {
        synchronized (lock) {
            return tracing() ? counters.tracedMemory() : new Tracemalloc.TracedMemory(0, 0);
        }
    }

    /** {@link #tracedMemory()} with the standard errors of its estimates (0 when exact or not tracing). */
    Tracemalloc.TracedMemoryEstimate tracedMemoryEstimate() {
        synchronized (lock) {
            if (!tracing()) {
                return new Tracemalloc.TracedMemoryEstimate(TracedEstimate.exact(0), TracedEstimate.exact(0), 0);
            }
            return counters.estimate(interval);
        }
    }

    /** The sampling interval of the session; 0 when exact or not tracing. */
    long samplingInterval() {
        long m = mode;
        return m > 0 ? m : 0;
    }

    /** The peak becomes the current size; nothing when not tracing. */
    void resetPeak() {
        synchronized (lock) {
            if (tracing()) {
                counters.resetPeak();
            }
        }
    }

    /** Forgets every trace, traceback and frame; current and peak become 0. */
    void clearTraces() {
        synchronized (lock) {
            if (tracing()) {
                clearLocked();
            }
        }
    }

    private void clearLocked() {
        domains.clear();
        tracebacks.clear();
        captures.clearFrames();
        sampledAddresses.clear();
        counters.clear();
        generation++;
    }

    /** An estimate of the bytes the tables, tracebacks and frames take on the Java heap; 0 when not tracing. */
    long memoryUsage() {
        synchronized (lock) {
            if (!tracing()) {
                return 0;
            }
            return domains.memoryUsage() + tracebacks.memoryUsage() + captures.memoryUsage()
                    + (interval == 0 ? 0 : SampledAddresses.memoryUsage());
        }
    }

    // ------------------------------------------------------------------ traces

    /**
     * A copy of every trace, domains in ascending order.
     *
     * @throws IllegalStateException when not tracing (Python's RuntimeError, same text)
     */
    Snapshot snapshot() {
        List<Trace> traces;
        int limit;
        long sampledWith;
        synchronized (lock) {
            if (!tracing()) {
                throw new IllegalStateException(
                        "the tracemalloc module must be tracing memory allocations to take a snapshot");
            }
            traces = new ArrayList<>(domains.size());
            domains.copyTo(traces);
            limit = captures.limit;
            sampledWith = interval;
        }
        return new Snapshot(traces, limit, sampledWith, Map.of());
    }

    /**
     * The traced blocks of the runtime's domains (RAW, MEM, OBJ) when a runtime closes: their
     * count, bytes and the first {@code sample} with their tracebacks; null when not tracing.
     */
    LiveBlocks liveBlocks(int sample) {
        synchronized (lock) {
            if (!tracing()) {
                return null;
            }
            long[] counts = new long[2];
            List<LiveBlocks.Block> blocks = new ArrayList<>();
            for (int d = 0; d < TraceDomains.RUNTIME_DOMAINS; d++) {
                PyMemAllocatorDomain domain = PyMemAllocatorDomain.ofValue(d);
                domains.runtimeTable(d).forEachBlock((address, size, tb) -> {
                    counts[0]++;
                    counts[1] += size;
                    if (blocks.size() < sample) {
                        blocks.add(new LiveBlocks.Block(domain, address, size, TracemallocHook.sourceLines(tb)));
                    }
                });
            }
            return new LiveBlocks(Tracemalloc.NAME, counts[0], counts[1], blocks);
        }
    }

    /** The traceback of the live block at {@code address} in trace domain {@code domain}, or null. */
    Traceback traceback(int domain, long address) {
        synchronized (lock) {
            if (!tracing()) {
                return null;
            }
            TraceTable t = domains.tableOrNull(domain);
            int slot = t == null ? -1 : t.find(address);
            if (slot >= 0) {
                return t.tracebackAt(slot);
            }
        }
        StackCapture c = captures.thread();
        return c.freeingDomain == domain && c.freeingAddress == address ? c.freeingTraceback : null;
    }

    /** The traceback of the live block at {@code address} in any domain, runtime domains first; or null. */
    Traceback objectTraceback(long address) {
        synchronized (lock) {
            if (!tracing()) {
                return null;
            }
            return domains.findAnywhere(address);
        }
    }

    /**
     * The id of the traceback of the live block at {@code address} in trace domain
     * {@code domain} (or of the block this thread is freeing through the layer), or 0.
     */
    int tracebackId(int domain, long address) {
        if (!tracing()) {
            return 0;
        }
        StackCapture c = captures.thread();
        if (c.freeingDomain == domain && c.freeingAddress == address) {
            return c.freeingTracebackId;
        }
        synchronized (lock) {
            TraceTable t = tracing() ? domains.tableOrNull(domain) : null;
            int slot = t == null ? -1 : t.find(address);
            return slot < 0 ? 0 : tracebacks.idOf(t.tracebackAt(slot));
        }
    }

    /**
     * The id of the calling thread's traceback now, captured as an allocation's is (or the
     * one its realloc through the layer captured); 0 when not tracing.
     */
    int captureTracebackId() {
        if (!tracing()) {
            return 0;
        }
        StackCapture c = captures.thread();
        if (c.callTracebackId != 0) {
            return c.callTracebackId;
        }
        c = captures.capture();
        synchronized (lock) {
            if (!tracing()) {
                return 0;
            }
            internLocked(c);
            return tracebacks.lastId();
        }
    }

    /** The traceback of id {@code id}, or null when not tracing or when it is not known (cleared since). */
    Traceback tracebackOfId(int id) {
        synchronized (lock) {
            return tracing() ? tracebacks.byId(id) : null;
        }
    }

    /**
     * Traces a block another allocator made, replacing a trace at that address.
     *
     * @throws IllegalStateException when not tracing
     */
    void track(int domain, long address, long size) {
        requireTracing("track");
        long sampling = Math.max(mode, 0);
        if (sampling != 0 && !samplers.sample(size, sampling)) {
            // Not sampled: the block replaces whatever was traced at that address.
            synchronized (lock) {
                requireTracing("track");
                removeLocked(domain, address);
            }
            return;
        }
        StackCapture c = captures.capture();
        synchronized (lock) {
            requireTracing("track");
            putLocked(domain, address, size, internLocked(c), c.expectedScopes > 0, false);
        }
    }

    /**
     * Forgets the trace of a block; an address without a trace is ignored.
     *
     * @throws IllegalStateException when not tracing
     */
    void untrack(int domain, long address) {
        synchronized (lock) {
            requireTracing("untrack");
            removeLocked(domain, address);
        }
    }

    private void requireTracing(String what) {
        if (!tracing()) {
            throw new IllegalStateException("the tracemalloc module must be tracing memory allocations to " + what
                    + " a memory block");
        }
    }

    /** Marks a traced block expected; false when it has no trace. */
    boolean markExpected(int domain, long address) {
        synchronized (lock) {
            TraceTable t = tracing() ? domains.tableOrNull(domain) : null;
            int slot = t == null ? -1 : t.find(address);
            if (slot < 0) {
                return false;
            }
            t.markExpectedAt(slot);
            return true;
        }
    }

    /** The calling thread's capture buffer, which also counts its open expected scopes. */
    StackCapture threadCapture() {
        return captures.thread();
    }

    // ------------------------------------------------------------------ the layer's calls

    private Traceback internLocked(StackCapture c) {
        return tracebacks.intern(c, c.total(captures.countAll));
    }

    private void putLocked(int domain, long address, long size, Traceback tb, boolean expected, boolean recorded) {
        long old = domains.table(domain).put(address, size, tb, expected, recorded);
        if (old >= 0) {
            counters.remove(old, interval);
        } else if (interval != 0) {
            sampledAddresses.add(address);
        }
        counters.add(size, interval);
    }

    /** Removes a trace; returns its traceback, or null when the block was not traced. */
    private Traceback removeLocked(int domain, long address) {
        TraceTable t = domains.tableOrNull(domain);
        int slot = t == null ? -1 : t.find(address);
        if (slot < 0) {
            return null;
        }
        Traceback tb = t.tracebackAt(slot);
        forgetLocked(t, slot, address);
        return tb;
    }

    /** Takes the trace in {@code slot} of {@code t} out of the table and the counters. */
    private void forgetLocked(TraceTable t, int slot, long address) {
        counters.remove(t.sizeAt(slot), interval);
        t.removeAt(slot);
        if (interval != 0) {
            sampledAddresses.remove(address);
        }
    }

    // ------------------------------------------------------------------ sampling

    /** Makes the calling thread's sample points repeatable: its draws restart from {@code seed} (for tests). */
    void seedSampler(long seed) {
        samplers.seed(seed, Math.max(mode, 0));
    }

    /**
     * Traces a block the layer below just handed out, with the stack {@code c} holds (the
     * layer walked it: {@link ThreadCaptures#capturing()}). Returns false when the trace could not be
     * stored (the Java heap is exhausted): the layer then frees the block and returns NULL,
     * as CPython does. {@code sampled}: the layer sampled the block (the session samples); a
     * block is traced only by a session of the mode the layer saw.
     */
    boolean addTrace(int domain, long address, long size, boolean sampled, StackCapture c) {
        try {
            // Whether a recording takes the event is asked first, so the trace can say so.
            NativeAllocationEvent event = sampled ? NativeAllocationEvent.ifRecorded() : null;
            long sampledWith = 0;
            synchronized (lock) {
                // The session may have changed since the layer looked: trace in the mode it chose only.
                if (tracing() && (interval != 0) == sampled) {
                    putLocked(domain, address, size, internLocked(c), c.expectedScopes > 0, event != null);
                    sampledWith = interval;
                }
            }
            if (event != null && sampledWith != 0) {
                event.commit(address, size, sampledWith, domain);
            }
            return true;
        } catch (OutOfMemoryError e) {
            return false;
        }
    }

    /**
     * A traced free: forgets the block's trace before the layer below frees it, so that no
     * other thread can get the address back first and lose its new trace to us, while this
     * thread can still find it during that free (see {@link StackCapture#freeingDomain}).
     */
    void free(int domain, PyMemAllocatorEx below, long address) {
        Traceback tb = null;
        int id = 0;
        boolean recorded = false;
        synchronized (lock) {
            TraceTable t = tracing() ? domains.tableOrNull(domain) : null;
            int slot = t == null ? -1 : t.find(address);
            if (slot >= 0) {
                tb = t.tracebackAt(slot);
                id = tracebacks.idOf(tb);
                recorded = t.recordedAt(slot);
                forgetLocked(t, slot, address);
            }
        }
        if (tb == null) {
            below.free(address);
            return;
        }
        if (recorded) {
            NativeFreeEvent.emit(address, domain);
        }
        StackCapture c = captures.thread();
        c.freeingDomain = domain;
        c.freeingAddress = address;
        c.freeingTraceback = tb;
        c.freeingTracebackId = id;
        try {
            below.free(address);
        } finally {
            c.freeingDomain = -1;
            c.freeingTraceback = null;
            c.freeingTracebackId = 0;
        }
    }

    /**
     * A traced realloc: takes the old trace out before the layer below may free the old
     * block (so a thread that gets the address back cannot lose its trace to us), puts a
     * new trace for the result, or the old one back when the realloc failed. The expected
     * flag follows the block. {@code c} holds the call's stack (the layer walked it:
     * {@link ThreadCaptures#capturing()}).
     */
    long realloc(int domain, PyMemAllocatorEx below, long ptr, long newSize, StackCapture c) {
        return realloc(domain, below, ptr, newSize, c, true, false);
    }

    /**
     * A realloc while tracing is sampled: the new block is sampled as a malloc of
     * {@code newSize} would be, and the old block's trace is looked for only when
     * {@link #sampledAddresses} says it may have one; when neither, the call goes straight
     * below.
     */
    long reallocSampled(int domain, PyMemAllocatorEx below, long ptr, long newSize, long interval) {
        boolean sampleNew = samplers.sample(newSize, interval);
        if (!sampleNew && (ptr == 0 || !sampledAddresses.mayContain(ptr))) {
            return below.realloc(ptr, newSize);
        }
        StackCapture c = sampleNew ? captures.capture() : captures.thread();
        return realloc(domain, below, ptr, newSize, c, sampleNew, true);
    }

    /** {@code c}: the calling thread's capture, holding the stack of the call when {@code traceNew}. */
    private long realloc(int domain, PyMemAllocatorEx below, long ptr, long newSize, StackCapture c, boolean traceNew,
                         boolean sampled) {
        boolean scoped = c.expectedScopes > 0;
        Traceback tb = null;
        long oldSize = -1;
        Traceback oldTb = null;
        boolean oldExpected = false;
        boolean oldRecorded = false;
        NativeAllocationEvent event = traceNew && sampled ? NativeAllocationEvent.ifRecorded() : null;
        long gen;
        int callId;
        int oldId = 0;
        synchronized (lock) {
            if (traceNew) {
                tb = internLocked(c);
            }
            // The debug layer below reuses this capture as the traceback of the realloc's free.
            callId = traceNew ? tracebacks.lastId() : 0;
            gen = generation;
            TraceTable t = tracing() && ptr != 0 ? domains.tableOrNull(domain) : null;
            int slot = t == null ? -1 : t.find(ptr);
            if (slot >= 0) {
                oldSize = t.sizeAt(slot);
                oldTb = t.tracebackAt(slot);
                oldExpected = t.expectedAt(slot);
                oldId = tracebacks.idOf(oldTb);
                oldRecorded = t.recordedAt(slot);
                forgetLocked(t, slot, ptr);
            }
        }
        long result;
        c.callTracebackId = callId;
        try {
            if (oldTb == null) {
                result = below.realloc(ptr, newSize);
            } else {
                c.freeingDomain = domain;
                c.freeingAddress = ptr;
                c.freeingTraceback = oldTb;
                c.freeingTracebackId = oldId;
                try {
                    result = below.realloc(ptr, newSize);
                } finally {
                    c.freeingDomain = -1;
                    c.freeingTraceback = null;
                    c.freeingTracebackId = 0;
                }
            }
        } finally {
            c.callTracebackId = 0;
        }
        long sampledWith = 0;
        synchronized (lock) {
            if (tracing() && (interval != 0) == sampled) {
                if (result != 0) {
                    if (traceNew) {
                        putLocked(domain, result, newSize, tb, oldExpected || scoped, event != null);
                        sampledWith = interval;
                    }
                } else if (oldSize >= 0 && generation == gen) {
                    putLocked(domain, ptr, oldSize, oldTb, oldExpected, oldRecorded);
                }
            }
        }
        if (oldRecorded && result != 0) {
            NativeFreeEvent.emit(ptr, domain);
        }
        if (event != null && sampledWith != 0) {
            event.commit(result, newSize, sampledWith, domain);
        }
        return result;
    }
}
