package io.pymem4j.tracemalloc;

import io.pymem4j.api.AllocatorSetupException;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.runtime.PyMemRuntime;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;

/**
 * Python's {@code tracemalloc} module for one {@link PyMemRuntime}: {@code Tracemalloc.of(runtime)}.
 *
 * <h2>Starting</h2>
 * <ul>
 *   <li>{@link #start(int)} puts the {@code tracemalloc} layer on top of the runtime's stack
 *       if it is not there ({@code runtime.setupAllocators(spec + "+tracemalloc")}, allowed
 *       on a used runtime because the layer is transparent), then starts tracing.</li>
 *   <li>Naming the layer in a stack ({@code PyMemRuntime.create("malloc+tracemalloc")})
 *       only installs it, as CPython's hooks are there but idle until started: tracing
 *       starts with {@link #start(int)}, or at the layer's creation when the runtime option
 *       {@value #OPTION} ({@code PyMemRuntime.Builder.option}, the system property
 *       {@code pymem4j.tracemalloc}, the environment variable {@code PYMEM4J_TRACEMALLOC})
 *       is a number of frames from 1 to 65535, as {@code -X tracemalloc=N} and
 *       {@code PYTHONTRACEMALLOC} do. 0 or an empty value is off; anything else makes the
 *       runtime's set-up fail with an {@link AllocatorSetupException} naming the setting.</li>
 *   <li>{@link #stop()} stops tracing and clears the traces but leaves the layer in the
 *       stack, where it costs a volatile read per call. The runtime's
 *       {@linkplain PyMemRuntime#currentAllocatorName() name} leaves it out from then on
 *       ({@code pymalloc}, not {@code pymalloc+tracemalloc}), as CPython's name is the one of
 *       the allocators under tracemalloc once tracing stops, until {@link #start(int)}.</li>
 * </ul>
 *
 * <h2>Sampled tracing</h2>
 * {@link #start(int, long)} with an interval {@code R} above 0 traces a sample of the
 * blocks instead of all of them, cheap enough to stay on in production: each allocated
 * byte has the same chance {@code 1/R} of being a sample point and a block is traced when
 * one of its bytes is (so a block of {@code Z} bytes with probability
 * {@code 1 - e^(-Z/R)}; large blocks almost always, small ones in proportion to their
 * size). Each thread counts its bytes down to its next sample point, drawn from an
 * exponential distribution of mean {@code R}; a block that is not sampled costs that
 * subtraction, and its free one byte read. The runtime option {@value #SAMPLE_OPTION}
 * (system property {@code pymem4j.tracemalloc.sample}, environment variable
 * {@code PYMEM4J_TRACEMALLOC_SAMPLE}), a count of bytes with an optional k, m, g or t
 * suffix ({@code 512k}), starts sampled tracing at the layer's creation with the frames of
 * {@value #OPTION} (1 when that is not set). jemalloc, tcmalloc and Go's heap profiler
 * sample the same way; 512 KiB is jemalloc's and Go's default.
 *
 * <p>Every figure is then an unbiased estimate: a sampled block of {@code Z} bytes stands
 * for {@code Z / (1 - e^(-Z/R))} bytes and {@code 1 / (1 - e^(-Z/R))} blocks, applied per
 * block before any sum. {@link #getTracedMemory()} adds those per block; a snapshot
 * records the interval ({@link Snapshot#samplingInterval()}) and its statistics,
 * comparisons and flame graph weigh each trace so; {@link #getTracedMemoryEstimate()} and
 * {@link Snapshot#sizeEstimate()} give the standard error and the 95% interval
 * ({@link TracedEstimate}). The traced peak is the peak of the estimate, which overstates
 * the true peak by about as much as the noise of the estimate near it.
 * Allocators obtained with {@code runtime.getAllocator} before the layer was added keep
 * bypassing it, as a {@code PyMem_GetAllocator} copy does in C.
 *
 * <h2>Domains</h2>
 * Trace domain 0, 1 and 2 are the runtime's RAW, MEM and OBJ domains (the C enum values).
 * CPython files all three under domain 0; keeping them apart lets a {@link DomainFilter}
 * tell them apart. {@link #track} takes any other number, as {@code PyTraceMalloc_Track}
 * does (numpy uses 389047).
 *
 * <h2>Expected blocks</h2>
 * A block that lives for the whole process (a cache, an arena, an interned table) can be
 * marked with {@link #markExpected} after the fact, or allocated inside
 * {@code try (var s = tm.expectedScope()) { ... }}. Its traces carry
 * {@link Trace#expected()}, and {@link Snapshot#withoutExpected()} (the filter
 * {@link ExpectedFilter#DROP_EXPECTED}) leaves them out of leak reports.
 *
 * <h2>Threads</h2>
 * Every method may be called from any thread. The tables and counters are guarded by one
 * lock, which every traced call takes after capturing its stack outside it, and which
 * re-checks {@link #isTracing()} (gh-128679), so a {@code stop()} racing allocating threads
 * is safe.
 *
 * @since 0.1
 */
public final class Tracemalloc {

    /** The hook layer's name in a stack. */
    public static final String NAME = "tracemalloc";
    /** The runtime option that starts tracing at the layer's creation. */
    public static final String OPTION = "tracemalloc";
    /** The runtime option that makes tracing sampled, with that mean interval in bytes, and starts it. */
    public static final String SAMPLE_OPTION = "tracemalloc.sample";
    /** The largest sampling interval: 1 TiB. */
    public static final long MAX_SAMPLING_INTERVAL = 1L << 40;
    /** The largest traceback limit: {@code MAX_NFRAME}, {@code UINT16_MAX}. */
    public static final int MAX_NFRAME = 65535;
    /** The first line of {@link #formatBlockTraceback}. */
    public static final String BLOCK_TRACEBACK_HEADER = "Memory block allocated at (most recent call first):";

    private static final Map<PyMemRuntime, Tracemalloc> INSTANCES = new WeakHashMap<>();

    private final WeakReference<PyMemRuntime> runtime;
    private final Object startLock = new Object();
    /** The traces, counters and the layer's calls; the layers hold it too. */
    final TraceStore store = new TraceStore();

    private Tracemalloc(PyMemRuntime runtime) {
        this.runtime = new WeakReference<>(runtime);
    }

    /** The tracer of {@code runtime}, created on first call; one per runtime. */
    public static Tracemalloc of(PyMemRuntime runtime) {
        Objects.requireNonNull(runtime, "runtime");
        synchronized (INSTANCES) {
            return INSTANCES.computeIfAbsent(runtime, Tracemalloc::new);
        }
    }

    /** The tracer of {@code runtime} if one was created, without creating it. */
    private static Tracemalloc existing(PyMemRuntime runtime) {
        synchronized (INSTANCES) {
            return INSTANCES.get(runtime);
        }
    }

    // ------------------------------------------------------------------ start and stop

    /** {@code start()}: starts tracing with a traceback limit of 1 frame. */
    public void start() {
        start(1);
    }

    /**
     * {@code start(nframe)}: adds the layer to the runtime's stack if it is not there, then
     * starts tracing, storing up to {@code nframe} frames per traceback. Does nothing when
     * already tracing (the limit is not changed).
     *
     * @throws IllegalArgumentException {@code the number of frames must be in range [1; 65535]}
     * @throws AllocatorSetupException  when the runtime refuses to add the layer (its
     *                                  allocators were replaced with {@code setAllocator})
     */
    public void start(int nframe) {
        start(nframe, 0);
    }

    /**
     * {@code start(nframe)} tracing a sample of the blocks, one sample point every
     * {@code samplingIntervalBytes} allocated bytes on average (see the class doc); 0 traces
     * every block, as {@link #start(int)}. Does nothing when already tracing (neither the
     * limit nor the interval is changed).
     *
     * @throws IllegalArgumentException for a number of frames out of range, or an interval
     *                                  below 0 or above {@value #MAX_SAMPLING_INTERVAL}
     * @throws AllocatorSetupException  when the runtime refuses to add the layer
     */
    public void start(int nframe, long samplingIntervalBytes) {
        checkNframe(nframe);
        if (samplingIntervalBytes < 0 || samplingIntervalBytes > MAX_SAMPLING_INTERVAL) {
            throw new IllegalArgumentException("the sampling interval must be in range [0; " + MAX_SAMPLING_INTERVAL
                    + "] bytes, not " + samplingIntervalBytes);
        }
        PyMemRuntime rt = runtime();
        synchronized (startLock) {
            var spec = rt.stackSpec();
            if (!spec.hasHook(NAME)) {
                rt.setupAllocators(spec.withHook(NAME).name());
            }
            store.start(nframe, samplingIntervalBytes);
        }
    }

    private static void checkNframe(int nframe) {
        if (nframe < 1 || nframe > MAX_NFRAME) {
            throw new IllegalArgumentException("the number of frames must be in range [1; " + MAX_NFRAME + "]");
        }
    }

    /** {@code stop()}: stops tracing and clears every trace and counter; the traceback limit is kept. */
    public void stop() {
        store.stop();
    }

    /** {@code is_tracing()}. */
    public boolean isTracing() {
        return store.tracing();
    }

    /** The mean sampling interval in bytes while tracing is sampled; 0 while it is exact or off. */
    public long getSamplingInterval() {
        return store.samplingInterval();
    }

    /** {@code get_traceback_limit()}: the limit of the last start, 1 before any. */
    public int getTracebackLimit() {
        return store.tracebackLimit();
    }

    /**
     * Whether captures walk the whole stack to count {@link Traceback#totalNframe()} exactly,
     * as CPython does. Off by default: a capture then stops one frame after the limit (a
     * full walk costs several microseconds on a deep stack) and a cut traceback's total is
     * unknown.
     */
    public void countAllFrames(boolean all) {
        store.countAllFrames(all);
    }

    /**
     * Leaves out of the tracebacks captured from now on the frames of classes whose binary
     * name starts with one of {@code classNamePrefixes} ({@code "org.junit."}), and the JDK
     * frames ({@code java.}, {@code jdk.}, ...) that only those call, as the allocator
     * machinery is left out: a test framework's frames, so that the traceback limit counts
     * the frames of the code under test ({@code @PyMemTest} does this). They are not counted
     * in {@link Traceback#totalNframe()} either. An empty collection keeps every frame again.
     */
    public void hideFrames(Collection<String> classNamePrefixes) {
        List<String> prefixes = List.copyOf(classNamePrefixes);
        store.hideFrames(prefixes.isEmpty() ? null : new FrameHiding(prefixes));
    }

    /** Called by the layer's hook at its creation: starts tracing if the runtime options say so, once per runtime. */
    void applyConfiguration() {
        if (store.configured()) {
            return;
        }
        PyMemRuntime rt = runtime();
        int nframe = parseOption(rt.option(OPTION));
        long interval = parseSampleOption(rt.option(SAMPLE_OPTION));
        store.configure(interval > 0 && nframe == 0 ? 1 : nframe, interval);
    }

    /**
     * A {@value #SAMPLE_OPTION} value: a count of bytes with an optional k, m, g or t suffix;
     * 0 when not set, empty or 0 (exact tracing).
     *
     * @throws AllocatorSetupException for anything else, naming the setting
     */
    static long parseSampleOption(String value) {
        if (value == null || value.isBlank()) {
            return 0;
        }
        long n = io.pymem4j.spi.BlockLimit.bytes(value);
        if (n < 0 || n > MAX_SAMPLING_INTERVAL) {
            throw new AllocatorSetupException("tracemalloc sampling option (pymem4j." + SAMPLE_OPTION
                    + " / PYMEM4J_TRACEMALLOC_SAMPLE) '" + value + "': expected a mean interval in bytes from 0 to 1t,"
                    + " such as 524288 or 512k");
        }
        return n;
    }

    static int parseOption(String value) {
        String setting = "tracemalloc option (pymem4j." + OPTION + " / PYMEM4J_" + OPTION.toUpperCase(Locale.ROOT)
                + ") '" + value + "'";
        if (value == null || value.isBlank()) {
            return 0;
        }
        long n;
        try {
            n = Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw new AllocatorSetupException(setting + ": invalid number of frames", e);
        }
        if (n < 0) {
            throw new AllocatorSetupException(setting + ": invalid number of frames");
        }
        if (n > MAX_NFRAME) {
            throw new AllocatorSetupException(setting + ": can't start tracemalloc: the number of frames must be in range [1; "
                    + MAX_NFRAME + "]");
        }
        return (int) n;
    }

    private PyMemRuntime runtime() {
        PyMemRuntime rt = runtime.get();
        if (rt == null) {
            throw new IllegalStateException("the runtime of this tracemalloc instance was garbage-collected");
        }
        return rt;
    }

    // ------------------------------------------------------------------ counters

    /** {@code (current, peak)} of {@link #getTracedMemory()}. */
    public record TracedMemory(long current, long peak) {
    }

    /**
     * {@code get_traced_memory()}: the traced bytes and their peak; (0, 0) when not tracing.
     * Estimates while tracing is sampled (see the class doc).
     */
    public TracedMemory getTracedMemory() {
        return store.tracedMemory();
    }

    /**
     * {@link #getTracedMemory()} with standard errors and 95% intervals.
     *
     * @param current          the traced bytes now
     * @param peak             the peak, with the standard error the estimate had when it peaked
     * @param samplingInterval the session's sampling interval; 0 when exact (the errors are then 0)
     */
    public record TracedMemoryEstimate(TracedEstimate current, TracedEstimate peak, long samplingInterval) {
    }

    /** {@link #getTracedMemory()} with the standard error of each figure: 0 when tracing is exact or off. */
    public TracedMemoryEstimate getTracedMemoryEstimate() {
        return store.tracedMemoryEstimate();
    }

    /** {@code reset_peak()}: the peak becomes the current size; nothing when not tracing. */
    public void resetPeak() {
        store.resetPeak();
    }

    /** {@code clear_traces()}: forgets every trace, traceback and frame; current and peak become 0. */
    public void clearTraces() {
        store.clearTraces();
    }

    /**
     * {@code get_tracemalloc_memory()}: an estimate of the bytes the tracer's own tables,
     * tracebacks and frames take on the Java heap; 0 when not tracing (as CPython 3.14).
     */
    public long getTracemallocMemory() {
        return store.memoryUsage();
    }

    // ------------------------------------------------------------------ traces

    /**
     * {@code take_snapshot()}: a copy of every trace, domains in ascending order.
     *
     * @throws IllegalStateException when not tracing (Python's RuntimeError, same text)
     */
    public Snapshot takeSnapshot() {
        return store.snapshot();
    }

    /** The traceback of the live block at {@code address} in trace domain {@code domain}, or null. */
    public Traceback getTraceback(int domain, long address) {
        return store.traceback(domain, address);
    }

    /**
     * {@code get_object_traceback}: the traceback of the live block at {@code address},
     * looked up in the runtime's domains (RAW, MEM, OBJ), then in the tracked ones; null
     * when not traced.
     */
    public Traceback getObjectTraceback(long address) {
        return store.objectTraceback(address);
    }

    /**
     * {@code PyTraceMalloc_Track}: traces a block another allocator made, under a domain of
     * the caller's, with the caller's traceback. A trace already at that address is replaced
     * (new size, new traceback).
     *
     * @throws IllegalStateException    when not tracing (the C function's -2)
     * @throws IllegalArgumentException for address 0 or a negative size
     */
    public void track(int domain, long address, long size) {
        if (address == 0 || size < 0) {
            throw new IllegalArgumentException("cannot track the block 0x" + Long.toHexString(address) + " of size " + size);
        }
        store.track(domain, address, size);
    }

    /**
     * {@code PyTraceMalloc_Untrack}: forgets the trace of a block; an address without a
     * trace is ignored, so repeated untracks are harmless.
     *
     * @throws IllegalStateException when not tracing (the C function's -2)
     */
    public void untrack(int domain, long address) {
        store.untrack(domain, address);
    }

    /**
     * Marks the live block at {@code address} of trace domain {@code domain} as expected to
     * live for the whole process (see the class doc).
     *
     * @return false when the block has no trace (not tracing, or not traced)
     */
    public boolean markExpected(int domain, long address) {
        return store.markExpected(domain, address);
    }

    /**
     * Opens a scope in which the blocks this thread allocates through the runtime, or
     * {@link #track}s, are marked expected. Scopes nest; close them in reverse order.
     */
    public ExpectedScope expectedScope() {
        StackCapture c = store.threadCapture();
        c.expectedScopes++;
        return new ExpectedScope(c);
    }

    /** A scope of {@link #expectedScope()}; closing it twice is harmless. */
    public static final class ExpectedScope implements AutoCloseable {
        private final StackCapture capture;
        private final Thread owner = Thread.currentThread();
        private boolean closed;

        private ExpectedScope(StackCapture capture) {
            this.capture = capture;
        }

        @Override
        public void close() {
            if (Thread.currentThread() != owner) {
                throw new IllegalStateException("an expected scope must be closed by the thread that opened it");
            }
            if (!closed) {
                closed = true;
                capture.expectedScopes--;
            }
        }
    }

    // ------------------------------------------------------------------ debug-layer extension point

    /**
     * The allocation traceback of a live block as the debug hooks print it
     * ({@code _PyMem_DumpTraceback}): {@value #BLOCK_TRACEBACK_HEADER} then a
     * {@code   File "<file>", line <n>} line per frame, most recent first. Null when
     * {@code runtime} has no tracer, is not tracing, or has no trace of the block. The
     * address is the one the caller of the runtime got (the debug layer's user pointer,
     * not its header), in {@code domain}.
     */
    public static List<String> formatBlockTraceback(PyMemRuntime runtime, PyMemAllocatorDomain domain, long address) {
        Tracemalloc tm = existing(runtime);
        return tm == null ? null : blockLines(tm.getTraceback(domain.ordinal(), address));
    }

    /** As {@link #formatBlockTraceback(PyMemRuntime, PyMemAllocatorDomain, long)}, in any domain. */
    public static List<String> formatBlockTraceback(PyMemRuntime runtime, long address) {
        Tracemalloc tm = existing(runtime);
        return tm == null ? null : blockLines(tm.getObjectTraceback(address));
    }

    private static List<String> blockLines(Traceback tb) {
        if (tb == null) {
            return null;
        }
        List<String> lines = new ArrayList<>(tb.size() + 1);
        lines.add(BLOCK_TRACEBACK_HEADER);
        lines.addAll(tb.format(null, true));
        return lines;
    }

    @Override
    public String toString() {
        long interval = store.samplingInterval();
        return "Tracemalloc[tracing=" + store.tracing() + ", tracebackLimit=" + store.tracebackLimit()
                + (interval == 0 ? "" : ", samplingInterval=" + interval) + "]";
    }
}
