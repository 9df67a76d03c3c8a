package io.pymem4j.replay;

import io.pymem4j.api.InterpreterLock;
import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.runtime.PyMemRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Replays a decoded {@link TraceFile} through the three domains of a {@link PyMemRuntime} and
 * times it, as the C replayer's {@code bench} does (see the package doc for the method).
 *
 * <p>The event loop is written so that it times the allocator, not the JIT's luck with the
 * loop. Each event calls the allocator through one of four small {@code dispatch} methods
 * (MEM/OBJ malloc, MEM/OBJ free, RAW free, everything else), and the launchers
 * ({@code bin/pymem}, {@code pymem bench}'s replay JVMs) run with {@link #JVM_OPTIONS}, which
 * keep the JIT from inlining those methods into the loop, as JMH's harness keeps a benchmark
 * method out of its measuring loop. Each dispatch method is then compiled on its own, with the
 * whole inlining budget for one stack's path:
 * <pre>
 *   replayRange (loop, touch, id table)
 *     -- call --&gt; dispatchMalloc --inlined--&gt; layer.malloc --inlined--&gt; pymalloc.malloc ...
 *     -- call --&gt; dispatchFree   --inlined--&gt; layer.free   --inlined--&gt; pymalloc.free ...
 * </pre>
 * Inlined into the loop instead, the stacks' paths compete for one budget, which every
 * native access draws on: the compiler gives up on some of them at random (a call site
 * inlined in one JVM and not in the next), so figures came out bimodal and a layer's cost
 * was mostly the budget it took from the layer below. Every stack and peer pays the same one
 * call an event, as the C replayer calls into its allocator. MEM and OBJ share each call site:
 * one allocator class serves both in every stack, so the site stays monomorphic. Without the
 * options the engine works the same, with figures that depend on the JIT's inlining. Nothing
 * is allocated per event. It runs in chunks of {@value #CHUNK} events so that the loop method
 * is entered often enough to be compiled as a whole rather than only through on-stack
 * replacement.
 *
 * @since 0.1
 */
public final class ReplayEngine {

    /**
     * Warm-up runs chosen by the engine: as many as it takes to replay at least
     * {@value #WARMUP_EVENTS} events or to spend {@value #WARMUP_MILLIS} ms, and at least one.
     * A short trace (compile's 2.1 million events) needs several runs before the JIT has
     * compiled every path of the event loop and the allocator, and a timed run before then
     * measures the compiler, not the allocator.
     */
    public static final int AUTO_WARMUP = -1;
    public static final long WARMUP_EVENTS = 20_000_000;
    public static final long WARMUP_MILLIS = 2_000;
    public static final int DEFAULT_WARMUP = AUTO_WARMUP;
    public static final int DEFAULT_RUNS = 5;

    /**
     * The JVM options a replay that is timed runs with: the JIT compiles each
     * {@code dispatch} method on its own instead of inlining it into the event loop (see the
     * class doc), and says nothing about it on stdout.
     */
    public static final List<String> JVM_OPTIONS = List.of("-XX:CompileCommand=quiet",
            "-XX:CompileCommand=dontinline,io.pymem4j.replay.ReplayEngine::dispatch*");

    private static final Logger log = LoggerFactory.getLogger(ReplayEngine.class);
    private static final int CHUNK = 1 << 14;

    // The tags, as (domain | op << 2); constants so the switch compiles to a table.
    private static final int RAW_MALLOC = 0;
    private static final int MEM_MALLOC = 1;
    private static final int OBJ_MALLOC = 2;
    private static final int RAW_CALLOC = 4;
    private static final int MEM_CALLOC = 5;
    private static final int OBJ_CALLOC = 6;
    private static final int RAW_REALLOC = 8;
    private static final int MEM_REALLOC = 9;
    private static final int OBJ_REALLOC = 10;
    private static final int RAW_FREE = 12;
    private static final int MEM_FREE = 13;
    private static final int OBJ_FREE = 14;
    private static final int CALLOC_OP = RAW_CALLOC >>> 2;
    private static final int REALLOC_OP = RAW_REALLOC >>> 2;

    private ReplayEngine() {
    }

    /** {@link #replay(TraceFile, PyMemRuntime, int, int)} with the automatic warm-up and 5 timed runs. */
    public static ReplayResult replay(TraceFile trace, PyMemRuntime runtime) {
        return replay(trace, runtime, DEFAULT_WARMUP, DEFAULT_RUNS);
    }

    /**
     * Replays {@code trace} {@code warmup} times untimed ({@link #AUTO_WARMUP}: until the JIT
     * has had {@value #WARMUP_EVENTS} events or {@value #WARMUP_MILLIS} ms), then {@code runs}
     * times timed.
     * Blocks live at the end of a run are freed after its timer stops, so each run starts
     * with nothing of the trace's live. A runtime in GIL mode is replayed holding its
     * interpreter lock, as the recorded CPython held the GIL.
     *
     * @throws ReplayFailedException when an allocator returns NULL; the run's live blocks
     *                               are freed first
     */
    public static ReplayResult replay(TraceFile trace, PyMemRuntime runtime, int warmup, int runs) {
        return replay(trace, runtime, warmup, runs, null);
    }

    /**
     * As {@link #replay(TraceFile, PyMemRuntime, int, int)}, and runs {@code atEndOfLastRun} (if
     * not null) once, after the last timed run's events and before that run's live blocks are
     * freed, outside the timer, with the interpreter lock held in GIL mode: the moment the C
     * replayer's {@code --malloc-stats} reports, for a look at the allocator's state.
     */
    public static ReplayResult replay(TraceFile trace, PyMemRuntime runtime, int warmup, int runs, Runnable atEndOfLastRun) {
        InterpreterLock gil = runtime.interpreterLock();
        if (gil == null) {
            return replayHeld(trace, runtime, warmup, runs, atEndOfLastRun);
        }
        try (var _ = gil.hold()) {
            return replayHeld(trace, runtime, warmup, runs, atEndOfLastRun);
        }
    }

    private static ReplayResult replayHeld(TraceFile trace, PyMemRuntime runtime, int warmup, int runs,
                                           Runnable atEndOfLastRun) {
        if (warmup < AUTO_WARMUP) {
            throw new IllegalArgumentException("warm-up runs must be 0 or more (or AUTO_WARMUP), not " + warmup);
        }
        if (runs < 1) {
            throw new IllegalArgumentException("timed runs must be 1 or more, not " + runs);
        }
        PyMemAllocatorEx raw = runtime.getAllocator(PyMemAllocatorDomain.RAW);
        PyMemAllocatorEx mem = runtime.getAllocator(PyMemAllocatorDomain.MEM);
        PyMemAllocatorEx obj = runtime.getAllocator(PyMemAllocatorDomain.OBJ);
        long[] table = new long[(int) trace.header().maxId() + 1];
        boolean debug = log.isDebugEnabled();
        int warmed = 0;
        long warmedEvents = 0;
        long warmedNanos = 0;
        while (warmup == AUTO_WARMUP
                ? warmed == 0 || (warmedEvents < WARMUP_EVENTS && warmedNanos < WARMUP_MILLIS * 1_000_000)
                : warmed < warmup) {
            long ns = run(trace, table, raw, mem, obj, null);
            warmed++;
            warmedEvents += trace.eventCount();
            warmedNanos += ns;
            if (debug) {
                log.debug("{}: warm-up run {}: {} ns", trace.name(), warmed, ns);
            }
        }
        System.gc();
        ProcStatus.settle(3000);
        long baseRss = ProcStatus.kib("VmRSS");
        if (!ProcStatus.resetPeak()) {
            log.debug("cannot reset the RSS high-water mark; the peak may come from before the timed runs");
        }
        long[] nanos = new long[runs];
        for (int i = 0; i < runs; i++) {
            nanos[i] = run(trace, table, raw, mem, obj, i == runs - 1 ? atEndOfLastRun : null);
            if (debug) {
                log.debug("{}: run {}: {} ns", trace.name(), i + 1, nanos[i]);
            }
        }
        long peakRss = ProcStatus.kib("VmHWM");
        return new ReplayResult(trace, runtime.currentAllocatorName(), warmed, nanos, baseRss, peakRss);
    }

    /** One replay of the whole trace; returns the nanoseconds of the event loop alone. */
    private static long run(TraceFile trace, long[] table, PyMemAllocatorEx raw, PyMemAllocatorEx mem,
                            PyMemAllocatorEx obj, Runnable atEnd) {
        long[] ev = trace.events();
        int n = trace.eventCount();
        int failed = -1;
        long start = System.nanoTime();
        for (int from = 0; from < n && failed < 0; from += CHUNK) {
            failed = replayRange(ev, from, Math.min(n, from + CHUNK), table, raw, mem, obj);
        }
        long elapsed = System.nanoTime() - start;
        if (failed >= 0) {
            freeLiveBefore(trace, failed, table, raw, mem, obj);
            throw new ReplayFailedException(failed, describe(ev, failed) + " returned NULL");
        }
        if (atEnd != null) {
            atEnd.run();
        }
        int[] ids = trace.liveIds();
        byte[] domains = trace.liveDomains();
        for (int k = 0; k < ids.length; k++) {
            of(domains[k], raw, mem, obj).free(table[ids[k]]);
        }
        return elapsed;
    }

    /**
     * Replays events {@code [from, to)}; returns the index of an event whose allocation
     * returned NULL, or -1.
     */
    private static int replayRange(long[] ev, int from, int to, long[] table,
                                   PyMemAllocatorEx raw, PyMemAllocatorEx mem, PyMemAllocatorEx obj) {
        for (int i = from; i < to; i++) {
            long w0 = ev[2 * i];
            long n = ev[2 * i + 1];
            int id = (int) w0 & TraceFile.ID_MASK;
            int tag = (int) (w0 >>> TraceFile.ID_BITS) & 0xF;
            // MEM and OBJ share each dispatch method (see the class doc).
            PyMemAllocatorEx memOrObj = (tag & 3) == 1 ? mem : obj;
            long p;
            long size = n;
            int target = id;
            if (tag == MEM_FREE || tag == OBJ_FREE) {
                dispatchFree(memOrObj, table[id]);
                continue;
            } else if (tag == MEM_MALLOC || tag == OBJ_MALLOC) {
                p = dispatchMalloc(memOrObj, n);
            } else if (tag == RAW_FREE) {
                dispatchRawFree(raw, table[id]);
                continue;
            } else {
                p = dispatchRare(tag, w0, n, table[id], raw, memOrObj, i);
                if (tag >>> 2 == CALLOC_OP) {
                    size = n * (w0 >>> 32);
                } else if (tag >>> 2 == REALLOC_OP) {
                    target = (int) (w0 >>> 32);
                }
            }
            if (p == 0) {
                return i;
            }
            // The touch of FORMAT.md: every allocator under test pays the first write to its block.
            if (size >= Long.BYTES) {
                NativeMemory.putLong(p, p);
            } else if (size != 0) {
                NativeMemory.putByte(p, (byte) 1);
            }
            table[target] = p;
        }
        return -1;
    }

    // The dispatch methods: kept out of the loop by JVM_OPTIONS (their names are in it).

    private static long dispatchMalloc(PyMemAllocatorEx memOrObj, long n) {
        return memOrObj.malloc(n);
    }

    private static void dispatchFree(PyMemAllocatorEx memOrObj, long p) {
        memOrObj.free(p);
    }

    private static void dispatchRawFree(PyMemAllocatorEx raw, long p) {
        raw.free(p);
    }

    /** The allocating events other than MEM and OBJ malloc: RAW malloc, every calloc and realloc. */
    private static long dispatchRare(int tag, long w0, long n, long old, PyMemAllocatorEx raw,
                                     PyMemAllocatorEx memOrObj, int i) {
        return switch (tag) {
            case RAW_MALLOC -> raw.malloc(n);
            case RAW_CALLOC -> raw.calloc(n, w0 >>> 32);
            case MEM_CALLOC, OBJ_CALLOC -> memOrObj.calloc(n, w0 >>> 32);
            case RAW_REALLOC -> raw.realloc(old, n);
            case MEM_REALLOC, OBJ_REALLOC -> memOrObj.realloc(old, n);
            default -> throw new IllegalStateException("event " + i + ": tag " + tag + " in a validated trace");
        };
    }

    private static PyMemAllocatorEx of(int domain, PyMemAllocatorEx raw, PyMemAllocatorEx mem, PyMemAllocatorEx obj) {
        return switch (domain) {
            case 0 -> raw;
            case 1 -> mem;
            default -> obj;
        };
    }

    /** After a failed allocation at event {@code failed}: frees every block live before it. */
    private static void freeLiveBefore(TraceFile trace, int failed, long[] table, PyMemAllocatorEx raw,
                                       PyMemAllocatorEx mem, PyMemAllocatorEx obj) {
        long[] ev = trace.events();
        byte[] live = new byte[table.length];
        for (int i = 0; i < failed; i++) {
            long w0 = ev[2 * i];
            int id = (int) w0 & TraceFile.ID_MASK;
            int tag = (int) (w0 >>> TraceFile.ID_BITS) & 0xF;
            int op = tag >>> 2;
            int target = op == TraceOp.REALLOC.value() ? (int) (w0 >>> 32) : id;
            if (op == TraceOp.FREE.value() || op == TraceOp.REALLOC.value()) {
                live[id] = 0;
            }
            if (op != TraceOp.FREE.value()) {
                live[target] = (byte) ((tag & 3) + 1);
            }
        }
        for (int id = 1; id < live.length; id++) {
            if (live[id] != 0) {
                of(live[id] - 1, raw, mem, obj).free(table[id]);
            }
        }
    }

    /** The call of event {@code i}, e.g. {@code OBJ malloc(64)}. */
    static String describe(long[] ev, int i) {
        long w0 = ev[2 * i];
        long n = ev[2 * i + 1];
        int tag = (int) (w0 >>> TraceFile.ID_BITS) & 0xF;
        TraceOp op = TraceOp.ofValue(tag >>> 2);
        String args = switch (op) {
            case MALLOC -> Long.toString(n);
            case CALLOC -> n + ", " + (w0 >>> 32);
            case REALLOC -> "block " + ((int) w0 & TraceFile.ID_MASK) + ", " + n;
            case FREE -> "block " + ((int) w0 & TraceFile.ID_MASK);
        };
        return PyMemAllocatorDomain.ofValue(tag & 3) + " " + op.label() + "(" + args + ")";
    }
}
