package io.pymem4j.tracemalloc;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The traces of one {@link Tracemalloc}: CPython's {@code tracemalloc_traces} and
 * {@code tracemalloc_domains} (a {@link TraceTable} per trace domain), the interned
 * tracebacks and frames, the traced bytes and their peak, and the calls the layer makes on
 * every traced malloc, free and realloc.
 *
 * <h2>Threads</h2>
 * The tables and counters are guarded by one lock, which every traced call takes after
 * capturing its stack outside it, and under which it re-checks {@link #tracing}
 * (gh-128679), so a {@code stop()} racing allocating threads is safe.
 */
final class TraceStore {

    /** Under the module's name, where the start and stop messages have always been logged. */
    private static final Logger log = LoggerFactory.getLogger(Tracemalloc.class);
    private static final int RUNTIME_DOMAINS = PyMemAllocatorDomain.values().length;

    private final Object lock = new Object();
    private final ThreadLocal<StackCapture> captures = ThreadLocal.withInitial(StackCapture::new);
    private final ConcurrentHashMap<StackCapture.Location, Frame> frameTable = new ConcurrentHashMap<>();
    /** Moves when the frame table is cleared, so that every thread drops its cached frames. */
    private volatile int frameEpoch;

    /** What the layer reads on every call: while false, it forwards without tracing. */
    volatile boolean tracing;
    /** True from a {@link #stop()} to the next start: the runtime's name leaves the layer out then. */
    private volatile boolean stopped;
    private volatile int tracebackLimit = 1;
    private volatile boolean countAllFrames;

    // Guarded by lock.
    private final TraceTable[] runtimeTables = new TraceTable[RUNTIME_DOMAINS];
    private final Map<Integer, TraceTable> otherTables = new TreeMap<>();
    private final TracebackInterner tracebacks = new TracebackInterner();
    private long tracedMemory;
    private long peakTracedMemory;
    private long generation;
    private boolean configured;

    TraceStore() {
        for (int d = 0; d < RUNTIME_DOMAINS; d++) {
            runtimeTables[d] = new TraceTable();
        }
    }

    // ------------------------------------------------------------------ start and stop

    /** Starts tracing with {@code nframe} frames per traceback; nothing when already tracing. */
    void start(int nframe) {
        synchronized (lock) {
            startLocked(nframe);
        }
    }

    private void startLocked(int nframe) {
        if (!tracing) {
            tracebackLimit = nframe;
            clearLocked();
            tracing = true;
            stopped = false;
            log.debug("tracemalloc started, traceback limit {}", nframe);
        }
    }

    /** Stops tracing and clears every trace and counter; the traceback limit is kept. */
    void stop() {
        synchronized (lock) {
            stopped = true;
            if (tracing) {
                tracing = false;
                clearLocked();
                log.debug("tracemalloc stopped");
            }
        }
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

    /** Applies the runtime option, once: starts tracing with {@code nframe} frames when it is above 0. */
    void configure(int nframe) {
        synchronized (lock) {
            configured = true;
            if (nframe > 0) {
                startLocked(nframe);
            }
        }
    }

    int tracebackLimit() {
        return tracebackLimit;
    }

    void countAllFrames(boolean all) {
        countAllFrames = all;
    }

    // ------------------------------------------------------------------ counters

    /** The traced bytes and their peak; (0, 0) when not tracing. */
    Tracemalloc.TracedMemory tracedMemory() {
        synchronized (lock) {
            return tracing ? new Tracemalloc.TracedMemory(tracedMemory, peakTracedMemory) : new Tracemalloc.TracedMemory(0, 0);
        }
    }

    /** The peak becomes the current size; nothing when not tracing. */
    void resetPeak() {
        synchronized (lock) {
            if (tracing) {
                peakTracedMemory = tracedMemory;
            }
        }
    }

    /** Forgets every trace, traceback and frame; current and peak become 0. */
    void clearTraces() {
        synchronized (lock) {
            if (tracing) {
                clearLocked();
            }
        }
    }

    private void clearLocked() {
        for (TraceTable t : runtimeTables) {
            t.clear();
        }
        otherTables.clear();
        tracebacks.clear();
        frameTable.clear();
        frameEpoch++;
        tracedMemory = 0;
        peakTracedMemory = 0;
        generation++;
    }

    /** An estimate of the bytes the tables, tracebacks and frames take on the Java heap; 0 when not tracing. */
    long memoryUsage() {
        synchronized (lock) {
            if (!tracing) {
                return 0;
            }
            long total = tracebacks.memoryUsage() + frameTable.size() * 160L;
            for (TraceTable t : runtimeTables) {
                total += t.memoryUsage();
            }
            for (TraceTable t : otherTables.values()) {
                total += t.memoryUsage() + 48;
            }
            return total;
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
        synchronized (lock) {
            if (!tracing) {
                throw new IllegalStateException(
                        "the tracemalloc module must be tracing memory allocations to take a snapshot");
            }
            int size = 0;
            for (TraceTable t : runtimeTables) {
                size += t.size();
            }
            for (TraceTable t : otherTables.values()) {
                size += t.size();
            }
            traces = new ArrayList<>(size);
            for (int d = 0; d < RUNTIME_DOMAINS; d++) {
                runtimeTables[d].forEach(d, traces::add);
            }
            for (var e : otherTables.entrySet()) {
                e.getValue().forEach(e.getKey(), traces::add);
            }
            limit = tracebackLimit;
        }
        return new Snapshot(traces, limit);
    }

    /** The traceback of the live block at {@code address} in trace domain {@code domain}, or null. */
    Traceback traceback(int domain, long address) {
        synchronized (lock) {
            if (!tracing) {
                return null;
            }
            TraceTable t = tableOrNull(domain);
            int slot = t == null ? -1 : t.find(address);
            if (slot >= 0) {
                return t.tracebackAt(slot);
            }
        }
        StackCapture c = captures.get();
        return c.freeingDomain == domain && c.freeingAddress == address ? c.freeingTraceback : null;
    }

    /** The traceback of the live block at {@code address} in any domain, runtime domains first; or null. */
    Traceback objectTraceback(long address) {
        synchronized (lock) {
            if (!tracing) {
                return null;
            }
            for (TraceTable t : runtimeTables) {
                int slot = t.find(address);
                if (slot >= 0) {
                    return t.tracebackAt(slot);
                }
            }
            for (TraceTable t : otherTables.values()) {
                int slot = t.find(address);
                if (slot >= 0) {
                    return t.tracebackAt(slot);
                }
            }
            return null;
        }
    }

    /**
     * Traces a block another allocator made, replacing a trace at that address.
     *
     * @throws IllegalStateException when not tracing
     */
    void track(int domain, long address, long size) {
        requireTracing("track");
        StackCapture c = capture();
        synchronized (lock) {
            requireTracing("track");
            putLocked(domain, address, size, internLocked(c), c.expectedScopes > 0);
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
        if (!tracing) {
            throw new IllegalStateException("the tracemalloc module must be tracing memory allocations to " + what
                    + " a memory block");
        }
    }

    /** Marks a traced block expected; false when it has no trace. */
    boolean markExpected(int domain, long address) {
        synchronized (lock) {
            TraceTable t = tracing ? tableOrNull(domain) : null;
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
        return captures.get();
    }

    // ------------------------------------------------------------------ the layer's calls

    /**
     * Captures the calling thread's stack. Callers on the allocation path inline this instead
     * (see {@link #addTrace}): every frame between the caller and the walk is one more frame
     * the walk fetches.
     */
    private StackCapture capture() {
        StackCapture c = captures.get();
        c.capture(tracebackLimit, countAllFrames, frameTable, frameEpoch);
        return c;
    }

    private Traceback internLocked(StackCapture c) {
        return tracebacks.intern(c, c.total(countAllFrames));
    }

    private TraceTable tableOrNull(int domain) {
        return domain >= 0 && domain < RUNTIME_DOMAINS ? runtimeTables[domain] : otherTables.get(domain);
    }

    private TraceTable table(int domain) {
        return domain >= 0 && domain < RUNTIME_DOMAINS ? runtimeTables[domain]
                : otherTables.computeIfAbsent(domain, d -> new TraceTable());
    }

    private void putLocked(int domain, long address, long size, Traceback tb, boolean expected) {
        long old = table(domain).put(address, size, tb, expected);
        if (old >= 0) {
            tracedMemory -= old;
        }
        tracedMemory += size;
        if (tracedMemory > peakTracedMemory) {
            peakTracedMemory = tracedMemory;
        }
    }

    /** Removes a trace; returns its traceback, or null when the block was not traced. */
    private Traceback removeLocked(int domain, long address) {
        TraceTable t = tableOrNull(domain);
        int slot = t == null ? -1 : t.find(address);
        if (slot < 0) {
            return null;
        }
        Traceback tb = t.tracebackAt(slot);
        tracedMemory -= t.sizeAt(slot);
        t.removeAt(slot);
        return tb;
    }

    /**
     * Traces a block the layer below just handed out. Returns false when the trace could not
     * be stored (the Java heap is exhausted): the layer then frees the block and returns
     * NULL, as CPython does.
     */
    boolean addTrace(int domain, long address, long size) {
        try {
            StackCapture c = captures.get();
            c.capture(tracebackLimit, countAllFrames, frameTable, frameEpoch);
            synchronized (lock) {
                if (tracing) {
                    putLocked(domain, address, size, internLocked(c), c.expectedScopes > 0);
                }
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
        Traceback tb;
        synchronized (lock) {
            tb = tracing ? removeLocked(domain, address) : null;
        }
        if (tb == null) {
            below.free(address);
            return;
        }
        StackCapture c = captures.get();
        c.freeingDomain = domain;
        c.freeingAddress = address;
        c.freeingTraceback = tb;
        try {
            below.free(address);
        } finally {
            c.freeingDomain = -1;
            c.freeingTraceback = null;
        }
    }

    /**
     * A traced realloc: takes the old trace out before the layer below may free the old
     * block (so a thread that gets the address back cannot lose its trace to us), puts a
     * new trace for the result, or the old one back when the realloc failed. The expected
     * flag follows the block.
     */
    long realloc(int domain, PyMemAllocatorEx below, long ptr, long newSize) {
        StackCapture c = captures.get();
        c.capture(tracebackLimit, countAllFrames, frameTable, frameEpoch);
        boolean scoped = c.expectedScopes > 0;
        Traceback tb;
        long oldSize = -1;
        Traceback oldTb = null;
        boolean oldExpected = false;
        long gen;
        synchronized (lock) {
            tb = internLocked(c);
            gen = generation;
            TraceTable t = tracing && ptr != 0 ? tableOrNull(domain) : null;
            int slot = t == null ? -1 : t.find(ptr);
            if (slot >= 0) {
                oldSize = t.sizeAt(slot);
                oldTb = t.tracebackAt(slot);
                oldExpected = t.expectedAt(slot);
                tracedMemory -= oldSize;
                t.removeAt(slot);
            }
        }
        long result;
        if (oldTb == null) {
            result = below.realloc(ptr, newSize);
        } else {
            c.freeingDomain = domain;
            c.freeingAddress = ptr;
            c.freeingTraceback = oldTb;
            try {
                result = below.realloc(ptr, newSize);
            } finally {
                c.freeingDomain = -1;
                c.freeingTraceback = null;
            }
        }
        synchronized (lock) {
            if (tracing) {
                if (result != 0) {
                    putLocked(domain, result, newSize, tb, oldExpected || scoped);
                } else if (oldSize >= 0 && generation == gen) {
                    putLocked(domain, ptr, oldSize, oldTb, oldExpected);
                }
            }
        }
        return result;
    }
}
