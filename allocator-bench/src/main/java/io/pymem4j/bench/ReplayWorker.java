package io.pymem4j.bench;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.pymalloc.Pymalloc;
import io.pymem4j.replay.ReplayEngine;
import io.pymem4j.replay.ReplayFailedException;
import io.pymem4j.replay.ReplayResult;
import io.pymem4j.replay.TraceFile;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.tracemalloc.TracedEstimate;
import io.pymem4j.tracemalloc.Tracemalloc;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The child JVM of one replay: decodes one trace, replays it through one stack or peer with
 * {@link ReplayEngine}, and prints one {@link ReplayFigures} line on stdout. Started by
 * {@link ReplayBench}, one per (trace, target), so that each target gets a fresh JVM as each
 * C backend gets a fresh child.
 * <pre>
 *   java ... io.pymem4j.bench.ReplayWorker TRACE (stack|peer) LABEL WARMUP RUNS   (WARMUP -1: automatic)
 * </pre>
 * TRACE is a {@code .pymt} file or {@code bundled}. A peer replays with its allocator in
 * all three domains, as the C replayer's glibc, jemalloc and mimalloc do. A target that
 * cannot run here prints its line with the reason as the note and exits 0; one that fails
 * (a bad stack name, an unreadable trace) prints its line with the error and exits 1.
 */
public final class ReplayWorker {

    /** The TRACE argument that names the bundled trace. */
    public static final String BUNDLED = "bundled";

    private ReplayWorker() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 5) {
            System.err.println("usage: ReplayWorker TRACE (stack|peer) LABEL WARMUP RUNS");
            System.exit(2);
        }
        ReplayFigures.Kind kind = switch (args[1]) {
            case "stack" -> ReplayFigures.Kind.STACK;
            case "peer" -> ReplayFigures.Kind.PEER;
            default -> throw new IllegalArgumentException("kind must be stack or peer, not " + args[1]);
        };
        ReplayFigures f;
        int status = 0;
        try {
            f = replay(args[0], kind, args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]));
        } catch (RuntimeException | IOException e) {
            // A bad stack name or option, an unreadable trace: the parent shows the reason.
            e.printStackTrace();
            f = ReplayFigures.notRun(traceName(args[0]), args[2], kind, "failed: " + e);
            status = 1;
        }
        System.out.println(f.toLine());
        System.out.flush();
        System.exit(status);
    }

    static ReplayFigures replay(String traceArg, ReplayFigures.Kind kind, String label, int warmup, int runs)
            throws IOException {
        String traceName = traceName(traceArg);
        PyMemRuntime runtime;
        if (kind == ReplayFigures.Kind.PEER) {
            Peer peer = Peer.of(label);
            String why = peer.sizeOnly() ? peer.unavailable() : peer.label() + " has no size-only API: JMH only";
            if (why != null) {
                return ReplayFigures.notRun(traceName, label, kind, why);
            }
            runtime = PyMemRuntime.create("malloc");
            PyMemAllocatorEx a = peer.allocator();
            for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
                runtime.setAllocator(d, a);
            }
        } else {
            runtime = BenchStack.parse(label).runtime();
        }
        TraceFile trace = BUNDLED.equals(traceArg) ? TraceFile.bundled() : TraceFile.read(Path.of(traceArg));
        Optional<Pymalloc> pymalloc = Pymalloc.find(runtime);
        Tracemalloc sampling = runtime.stackSpec().hasHook(Tracemalloc.NAME)
                && Tracemalloc.of(runtime).getSamplingInterval() != 0 ? Tracemalloc.of(runtime) : null;
        long[] arenaEnd = {-1};
        TracedEstimate[] tracedAtEnd = new TracedEstimate[1];
        ReplayResult r;
        try {
            r = ReplayEngine.replay(trace, runtime, warmup, runs, () -> {
                arenaEnd[0] = pymalloc.map(p -> p.stats().arenaBytes()).orElse(-1L);
                if (sampling != null) {
                    tracedAtEnd[0] = sampling.getTracedMemoryEstimate().current();
                }
            });
        } catch (ReplayFailedException e) {
            return ReplayFigures.notRun(trace.name(), label, kind, "replay failed: " + e.getMessage());
        }
        long arenaPeak = pymalloc.map(p -> p.stats().arenaBytesPeak()).orElse(-1L);
        String note = sampling == null ? "" : sampledNote(trace, sampling, tracedAtEnd[0]);
        return new ReplayFigures(trace.name(), label, kind, r.events(), r.runs(), r.medianNsPerEvent(),
                r.minNsPerEvent(), r.baseRssKib(), r.peakRssKib(), arenaPeak, arenaEnd[0], note);
    }

    /**
     * What sampled tracing estimated, beside what exact tracing would trace: the requested
     * bytes live at the end of the trace and at its peak, which the trace itself gives.
     */
    private static String sampledNote(TraceFile trace, Tracemalloc tm, TracedEstimate atEnd) {
        TracedEstimate peak = tm.getTracedMemoryEstimate().peak();
        return String.format(Locale.ROOT, "sampled tracing, one sample every %d B on average: traced at the end of the"
                        + " trace ~%d B, 95%% interval [%d, %d] (exact: %d B); peak over the runs ~%d B, [%d, %d] (exact"
                        + " peak of the trace: %d B; the peak of several noisy runs leans high)",
                tm.getSamplingInterval(), atEnd.rounded(), Math.round(atEnd.low()), Math.round(atEnd.high()),
                trace.liveBytesAtEnd(), peak.rounded(), Math.round(peak.low()), Math.round(peak.high()),
                trace.header().peakLiveBytes());
    }

    private static String traceName(String traceArg) {
        return BUNDLED.equals(traceArg) ? TraceFile.BUNDLED.replace(".pymt", "") : nameOf(traceArg);
    }

    private static String nameOf(String path) {
        String file = Path.of(path).getFileName().toString();
        return file.endsWith(".pymt") ? file.substring(0, file.length() - ".pymt".length()) : file;
    }

    /** The worker's arguments for one replay. */
    static List<String> args(String trace, ReplayFigures.Kind kind, String label, int warmup, int runs) {
        return List.of(trace, kind == ReplayFigures.Kind.STACK ? "stack" : "peer", label, Integer.toString(warmup),
                Integer.toString(runs));
    }
}
