package io.pymem4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.pymalloc.Pymalloc;
import io.pymem4j.replay.ReplayEngine;
import io.pymem4j.replay.ReplayFailedException;
import io.pymem4j.replay.ReplayResult;
import io.pymem4j.replay.TraceFile;
import io.pymem4j.replay.TraceFormatException;
import io.pymem4j.replay.TraceOp;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.spi.BlockLimit;
import io.pymem4j.tracemalloc.Statistic;
import io.pymem4j.tracemalloc.TracedEstimate;
import io.pymem4j.tracemalloc.Tracemalloc;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code pymem replay}: replays a trace through an allocator stack, timed.
 *
 * <p>The {@code --json} object has, besides the timing keys: {@code arena_bytes_peak}, the
 * most bytes pymalloc held in arenas at once ({@code PymallocStats.arenaBytesPeak()}), or
 * null for a stack whose MEM and OBJ backend is not pymalloc; with {@code --stats},
 * {@code debug_malloc_stats}, the {@code _debugmallocstats} text (null without pymalloc);
 * with {@code --tracemalloc N}, {@code traceback_limit}, {@code traced_peak_bytes} (the most
 * bytes traced at once), {@code traced_current_bytes} and {@code traced_blocks} (at the end of
 * the trace, before the replayer frees the blocks the process never freed),
 * {@code traced_per_domain} (those blocks by domain: {@code {"RAW": {"size": S, "count": N}, ...}}), {@code top_stats}
 * (the first {@code --top} of {@code statistics('lineno')}: file, line, size, count) and,
 * with {@code --flamegraph}, {@code flamegraph_file}. With {@code --tracemalloc-sample R}
 * the traced figures are estimates, and the object also has {@code sampling_interval} (R
 * in bytes) and {@code traced_peak_interval} and {@code traced_current_interval}, each the
 * estimate's 95% interval {@code [low, high]} in bytes.
 */
@Command(name = "replay",
        description = {"Replays a .pymt allocation trace through an allocator stack and reports its speed and peak RSS.",
                "Only the event loop is timed; blocks live at the end of a run are freed after the timer stops."})
final class ReplayCommand implements Callable<Integer> {

    /** Python's example prints the top 10. */
    static final int DEFAULT_TOP = 10;

    @Spec
    private CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "TRACE",
            description = "A .pymt trace file. Default: the bundled compile trace (" + TraceFile.BUNDLED + ").")
    private Path trace;

    @Option(names = {"-a", "--allocator"}, paramLabel = "NAME",
            description = "The allocator stack (see pymem list). Default: the pymem4j.malloc property, else the"
                    + " PYMEM4J_MALLOC environment variable, else 'default'.")
    private String allocator;

    @Option(names = {"-n", "--runs"}, paramLabel = "N", defaultValue = "" + ReplayEngine.DEFAULT_RUNS,
            description = "Timed runs. Default: ${DEFAULT-VALUE}.")
    private int runs;

    @Option(names = {"-w", "--warmup"}, paramLabel = "N|auto", defaultValue = "auto",
            converter = WarmupConverter.class, description = WarmupConverter.DESCRIPTION)
    private int warmup;

    @Option(names = "--json", description = "Print one JSON object on stdout instead of the text report.")
    private boolean json;

    @Option(names = "--gil", description = "GIL mode: the replay holds the runtime's interpreter lock, as CPython's"
            + " callers hold the GIL, and pymalloc takes no lock of its own.")
    private boolean gil;

    @Option(names = "--stats", description = "End the report with pymalloc's sys._debugmallocstats() report, taken at"
            + " the end of the last run's events (before the trace's live blocks are freed).")
    private boolean stats;

    @Option(names = "--tracemalloc", paramLabel = "N", description = "Trace every block of the replay with tracemalloc,"
            + " N frames a traceback (1 to 65535), and report the traced peak and the top statistics of a snapshot"
            + " taken at the end of the trace. The frames are the replay engine's Java frames: a .pymt trace records"
            + " no Python tracebacks. Timings then include the tracing.")
    private Integer tracemalloc;

    @Option(names = "--tracemalloc-sample", paramLabel = "SIZE", description = "Trace a sample of the blocks instead"
            + " (the whole replay, with --tracemalloc N frames, else 1): one sample point every SIZE allocated bytes on"
            + " average (a k, m, g or t suffix: 512k); the traced figures and top statistics are then unbiased"
            + " estimates, reported with their 95%% intervals.")
    private String tracemallocSample;

    @Option(names = "--top", paramLabel = "K", description = "With --tracemalloc or --tracemalloc-sample: how many"
            + " lines of the snapshot's"
            + " statistics('lineno') to print. Default: " + DEFAULT_TOP + ".")
    private Integer top;

    @Option(names = "--flamegraph", paramLabel = "FILE", description = "With --tracemalloc or --tracemalloc-sample:"
            + " write the snapshot as an"
            + " interactive flame graph of bytes by traceback, one self-contained HTML file.")
    private Path flamegraph;

    /** Filled at the end of the last run's events by the replay's hook. */
    private String mallocStats;

    @Override
    public Integer call() {
        if (runs < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--runs must be 1 or more, not " + runs);
        }
        long samplingInterval = checkTracingOptions();
        if (trace != null && trace.toString().isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "the TRACE path is empty: give a .pymt file,"
                    + " or no TRACE for the bundled trace");
        }
        if (flamegraph != null) {
            checkWritable(flamegraph);
        }
        String name = allocator != null ? allocator : PyMemRuntime.configuredAllocator();
        // Set the stack up before the (slower) decoding, so a bad name fails at once.
        PyMemRuntime runtime = PyMemRuntime.builder().allocator(name).gil(gil).build();
        TraceFile decoded = readTrace();
        ReplayTracing tracing = tracemalloc == null && tracemallocSample == null ? null
                : ReplayTracing.start(runtime, tracemalloc == null ? 1 : tracemalloc, samplingInterval);
        Optional<Pymalloc> pymalloc = Pymalloc.find(runtime);
        Runnable atEnd = () -> {
            if (tracing != null) {
                tracing.atEndOfTrace();
            }
            if (stats) {
                mallocStats = pymalloc.map(Pymalloc::debugMallocStats).orElse(null);
            }
        };
        ReplayResult result;
        try {
            result = ReplayEngine.replay(decoded, runtime, warmup, runs, atEnd);
        } catch (ReplayFailedException e) {
            throw new UsageError("replay of " + decoded.name() + " through " + runtime.currentAllocatorName()
                    + " failed: " + e.getMessage(), e);
        }
        Long arenaBytesPeak = pymalloc.map(p -> p.stats().arenaBytesPeak()).orElse(null);
        TracedEstimate tracedPeak = tracing == null ? TracedEstimate.exact(0) : tracing.peak();
        if (tracing != null) {
            tracing.stop();
            if (flamegraph != null) {
                try {
                    tracing.writeFlameGraph(flamegraph, decoded.name() + " through " + result.allocator()
                            + ", at the end of the trace");
                } catch (IOException e) {
                    throw new UsageError("cannot write the flame graph to " + flamegraph + ": " + reason(e), e);
                }
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(toJson(decoded, result, arenaBytesPeak, tracing, tracedPeak));
        } else {
            printReport(out, decoded, result, tracing, tracedPeak);
        }
        out.flush();
        return 0;
    }

    /** Checks the tracing options; returns the sampling interval, 0 for exact tracing. */
    private long checkTracingOptions() {
        if (tracemalloc == null && tracemallocSample == null) {
            String orphan = top != null ? "--top" : flamegraph != null ? "--flamegraph" : null;
            if (orphan != null) {
                throw new CommandLine.ParameterException(spec.commandLine(), orphan
                        + " needs --tracemalloc N or --tracemalloc-sample SIZE");
            }
        } else if (tracemalloc != null && (tracemalloc < 1 || tracemalloc > Tracemalloc.MAX_NFRAME)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--tracemalloc must be in range [1; "
                    + Tracemalloc.MAX_NFRAME + "], not " + tracemalloc);
        }
        if (top != null && top < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--top must be 1 or more, not " + top);
        }
        if (tracemallocSample == null) {
            return 0;
        }
        long interval = BlockLimit.bytes(tracemallocSample);
        if (interval < 1 || interval > Tracemalloc.MAX_SAMPLING_INTERVAL) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--tracemalloc-sample must be a mean interval"
                    + " in bytes from 1 to 1t, such as 524288 or 512k, not '" + tracemallocSample + "'");
        }
        return interval;
    }

    /**
     * Fails now, before the replay, when {@code file} cannot be written: opens it for writing
     * without truncating it, and removes it again when it did not exist.
     */
    private static void checkWritable(Path file) {
        if (Files.isDirectory(file)) {
            throw new UsageError("cannot write the flame graph to " + file + ": it is a directory", null);
        }
        boolean existed = Files.exists(file);
        try {
            try (FileChannel _ = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.CREATE)) {
                // open is the check
            }
            if (!existed) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UsageError("cannot write the flame graph to " + file + ": " + reason(e), e);
        }
    }

    /** What went wrong, without the path the JDK's file exceptions often carry as their only message. */
    private static String reason(IOException e) {
        if (e instanceof NoSuchFileException n && n.getFile() != null) {
            Path parent = Path.of(n.getFile()).toAbsolutePath().getParent();
            return "no such directory" + (parent != null ? " " + parent : "");
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.toString();
    }

    private int topCount() {
        return top == null ? DEFAULT_TOP : top;
    }

    private String traceLabel() {
        return trace == null ? "the bundled " + TraceFile.BUNDLED : trace.toString();
    }

    private TraceFile readTrace() {
        try {
            return trace == null ? TraceFile.bundled() : TraceFile.read(trace);
        } catch (NoSuchFileException e) {
            throw new UsageError(traceLabel() + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw new UsageError(traceLabel() + ": permission denied", e);
        } catch (TraceFormatException e) {
            throw new UsageError(traceLabel() + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UsageError(traceLabel() + ": cannot read: " + e, e);
        } catch (OutOfMemoryError e) {
            throw new UsageError(traceLabel() + ": the decoded trace does not fit the Java heap; raise -Xmx"
                    + " (PYMEM_JAVA_OPTS for bin/pymem)", e);
        }
    }

    private void printReport(PrintWriter out, TraceFile t, ReplayResult r, ReplayTracing tracing,
            TracedEstimate tracedPeak) {
        StringBuilder perDomain = new StringBuilder();
        for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
            perDomain.append(perDomain.isEmpty() ? "" : ", ").append(d).append(' ').append(grouped(t.count(d)));
        }
        Table report = new Table("", "");
        report.row("trace", t.name() + " (" + traceLabel() + ")");
        report.row("events", grouped(r.events()) + " a run: " + perDomain);
        report.row("allocator", r.allocator() + (gil ? " (GIL mode)" : ""));
        report.row("runs", r.runs() + " timed, after " + r.warmup() + " warm-up");
        report.row("ns/event", String.format(Locale.ROOT, "median %.2f, min %.2f", r.medianNsPerEvent(), r.minNsPerEvent()));
        report.row("events/s", grouped(Math.round(r.eventsPerSecond())) + " (median run)");
        report.row("peak RSS", r.peakRssKib() < 0 ? "unknown (no /proc/self/status)"
                : grouped(r.peakRssKib()) + " KiB (" + grouped(r.baseRssKib()) + " KiB before the timed runs)");
        if (tracing != null && tracing.samplingInterval() != 0) {
            TracedEstimate current = tracing.currentAtEnd();
            report.row("sampled", "one sample every " + grouped(tracing.samplingInterval()) + " B on average: the traced"
                    + " figures are estimates, ± half their 95% interval (the interval itself when few blocks were"
                    + " sampled); " + grouped(tracing.sampledBlocksAtEnd()) + " sampled blocks live at the end of the trace");
            report.row("traced", "peak " + estimate(tracedPeak) + " B; at the end of the trace " + estimate(current)
                    + " B in ~" + grouped(tracing.blocksAtEnd())
                    + " blocks; traceback limit " + tracing.tracebackLimit() + " (Java frames of the replay)");
        } else if (tracing != null) {
            report.row("traced", "peak " + grouped(tracedPeak.rounded()) + " B; at the end of the trace "
                    + grouped(tracing.currentBytesAtEnd()) + " B in " + grouped(tracing.blocksAtEnd())
                    + " blocks; traceback limit " + tracing.tracebackLimit() + " (Java frames of the replay)");
        }
        if (tracing != null) {
            String traced = tracing.perDomainAtEnd().entrySet().stream()
                    .map(e -> e.getKey() + " " + grouped(e.getValue().size()) + " B in " + grouped(e.getValue().count())
                            + (e.getValue().count() == 1 ? " block" : " blocks"))
                    .collect(Collectors.joining(", "));
            report.row("by domain", traced + " at the end of the trace");
        }
        report.print(out, "");
        if (tracing != null) {
            out.println();
            out.println("[ Top " + topCount() + " ]" + (tracing.samplingInterval() == 0 ? ""
                    : " (estimated from samples every " + grouped(tracing.samplingInterval()) + " B on average)"));
            for (Statistic s : tracing.top(topCount())) {
                out.println(s);
            }
            if (flamegraph != null) {
                out.println();
                out.println("flame graph written to " + flamegraph);
            }
        }
        if (stats) {
            out.println();
            if (mallocStats != null) {
                out.println("pymalloc at the end of the trace (sys._debugmallocstats):");
                out.print(mallocStats);
            } else {
                out.println("no _debugmallocstats: the stack " + r.allocator() + " has no pymalloc");
            }
        }
    }

    private static String grouped(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    private String toJson(TraceFile t, ReplayResult r, Long arenaBytesPeak, ReplayTracing tracing,
            TracedEstimate tracedPeak) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode o = mapper.createObjectNode();
        o.put("allocator", r.allocator());
        o.put("gil", gil);
        o.put("trace", t.name());
        o.put("trace_file", trace == null ? null : trace.toAbsolutePath().toString());
        o.put("events", r.events());
        ObjectNode domains = o.putObject("events_per_domain");
        ObjectNode calls = mapper.createObjectNode();
        for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
            domains.put(d.name(), t.count(d));
            ObjectNode ops = calls.putObject(d.name());
            for (TraceOp op : TraceOp.values()) {
                ops.put(op.label(), r.calls(d, op));
            }
        }
        o.put("warmup", r.warmup());
        o.put("runs", r.runs());
        var runNanos = o.putArray("run_ns");
        for (long ns : r.runNanos()) {
            runNanos.add(ns);
        }
        o.put("ns_per_event_median", round3(r.medianNsPerEvent()));
        o.put("ns_per_event_min", round3(r.minNsPerEvent()));
        o.put("events_per_second", Math.round(r.eventsPerSecond()));
        o.put("base_rss_kib", r.baseRssKib());
        o.put("peak_rss_kib", r.peakRssKib());
        o.set("calls_per_run", calls);
        o.put("arena_bytes_peak", arenaBytesPeak);
        if (stats) {
            o.put("debug_malloc_stats", mallocStats);
        }
        if (tracing != null) {
            o.put("traceback_limit", tracing.tracebackLimit());
            o.put("traced_peak_bytes", tracedPeak.rounded());
            o.put("traced_current_bytes", tracing.currentBytesAtEnd());
            o.put("traced_blocks", tracing.blocksAtEnd());
            if (tracing.samplingInterval() != 0) {
                o.put("sampling_interval", tracing.samplingInterval());
                interval(o.putArray("traced_peak_interval"), tracedPeak);
                interval(o.putArray("traced_current_interval"), tracing.currentAtEnd());
            }
            ObjectNode tracedPerDomain = o.putObject("traced_per_domain");
            tracing.perDomainAtEnd().forEach((d, v) -> tracedPerDomain.putObject(d.name())
                    .put("size", v.size()).put("count", v.count()));
            var topStats = o.putArray("top_stats");
            for (Statistic s : tracing.top(topCount())) {
                ObjectNode line = topStats.addObject();
                line.put("file", s.traceback().mostRecent().filename());
                line.put("line", s.traceback().mostRecent().lineno());
                line.put("size", s.size());
                line.put("count", s.count());
            }
            if (flamegraph != null) {
                o.put("flamegraph_file", flamegraph.toAbsolutePath().toString());
            }
        }
        return o.toString();
    }

    /** {@code ~1,234 ± 56}, or {@code ~0 (0 to 1,571)} when the interval's high end comes from the count of samples. */
    private static String estimate(TracedEstimate e) {
        String v = "~" + grouped(e.rounded());
        if (e.high() > e.value() + e.halfWidth()) {
            return v + " (" + grouped(Math.round(e.low())) + " to " + grouped(Math.round(e.high())) + ")";
        }
        return v + " ± " + grouped(Math.round(e.halfWidth()));
    }

    private static void interval(ArrayNode a, TracedEstimate e) {
        a.add(Math.round(e.low()));
        a.add(Math.round(e.high()));
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
