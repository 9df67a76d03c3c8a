package io.pymem4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemRuntime;
import io.pymem4j.bench.ReplayEngine;
import io.pymem4j.bench.ReplayFailedException;
import io.pymem4j.bench.ReplayResult;
import io.pymem4j.bench.Trace;
import io.pymem4j.bench.TraceFormatException;
import io.pymem4j.bench.TraceOp;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code pymem replay}: replays a trace through an allocator stack, timed. */
@Command(name = "replay",
        description = {"Replays a .pymt allocation trace through an allocator stack and reports its speed and peak RSS.",
                "Only the event loop is timed; blocks live at the end of a run are freed after the timer stops."})
final class ReplayCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "TRACE",
            description = "A .pymt trace file. Default: the bundled compile trace (" + Trace.BUNDLED + ").")
    private Path trace;

    @Option(names = {"-a", "--allocator"}, paramLabel = "NAME",
            description = "The allocator stack (see pymem list). Default: the pymem4j.malloc property, else the"
                    + " PYMEM4J_MALLOC environment variable, else 'default'.")
    private String allocator;

    @Option(names = {"-n", "--runs"}, paramLabel = "N", defaultValue = "" + ReplayEngine.DEFAULT_RUNS,
            description = "Timed runs. Default: ${DEFAULT-VALUE}.")
    private int runs;

    @Option(names = {"-w", "--warmup"}, paramLabel = "N", defaultValue = "" + ReplayEngine.DEFAULT_WARMUP,
            description = "Untimed warm-up runs before them, for the JIT. Default: ${DEFAULT-VALUE}.")
    private int warmup;

    @Option(names = "--json", description = "Print one JSON object on stdout instead of the text report.")
    private boolean json;

    @Option(names = "--gil", description = "GIL mode: the replay holds the runtime's interpreter lock, as CPython's"
            + " callers hold the GIL, and pymalloc takes no lock of its own.")
    private boolean gil;

    @Override
    public Integer call() {
        if (runs < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--runs must be 1 or more, not " + runs);
        }
        if (warmup < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--warmup must be 0 or more, not " + warmup);
        }
        String name = allocator != null ? allocator : PyMemRuntime.configuredAllocator();
        // Set the stack up before the (slower) decoding, so a bad name fails at once.
        PyMemRuntime runtime = PyMemRuntime.builder().allocator(name).gil(gil).build();
        Trace decoded = readTrace();
        ReplayResult result;
        try {
            result = ReplayEngine.replay(decoded, runtime, warmup, runs);
        } catch (ReplayFailedException e) {
            throw new UsageError("replay of " + decoded.name() + " through " + runtime.currentAllocatorName()
                    + " failed: " + e.getMessage(), e);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(toJson(decoded, result));
        } else {
            printReport(out, decoded, result);
        }
        out.flush();
        return 0;
    }

    private String traceLabel() {
        return trace == null ? "the bundled " + Trace.BUNDLED : trace.toString();
    }

    private Trace readTrace() {
        try {
            return trace == null ? Trace.bundled() : Trace.read(trace);
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

    private void printReport(PrintWriter out, Trace t, ReplayResult r) {
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
        report.print(out, "");
    }

    private static String grouped(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    private String toJson(Trace t, ReplayResult r) {
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
        return o.toString();
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
