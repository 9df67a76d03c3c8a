package io.pymem4j.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.pymem4j.replay.ReplayEngine;
import io.pymem4j.replay.TraceCursor;
import io.pymem4j.replay.TraceFile;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * One {@code pymem bench} session: the trace replays of every target (each in a JVM or C
 * child of its own, the targets in turns), then the JMH suites in a host JVM, into a results
 * folder: {@code results.md} ({@link BenchReport}), {@code replay.json}, the charts
 * ({@link BenchChart}), JMH's {@code jmh.json} and {@code jmh.log}.
 *
 * <p>The command line parses its options into {@link Options} and prints the {@link Outcome};
 * the session hands each progress line to the consumer it is given, and fails with
 * {@link BenchSetupException} on what the user can fix.
 */
public final class BenchSession {

    /**
     * What a session runs.
     *
     * @param traces      the trace files, {@code null} standing for the bundled trace; empty: no replays
     *                    ({@link #traceFiles} resolves the names the user gives)
     * @param stacks      the stacks, replayed and measured in JMH
     * @param peers       the Java peers; the size-only ones replay too
     * @param suites      the JMH suites
     * @param runs        timed replay runs of each target and trace, 1 or more
     * @param replayForks processes per target and trace, taken in turns, 1 or more
     * @param warmup      untimed replay runs first, or {@link ReplayEngine#AUTO_WARMUP}
     * @param jmh         whether the JMH suites run
     * @param settings    JMH's settings
     * @param cAnchors    whether each trace is replayed through the C replayer too
     * @param replayer    the C replayer's directory or executable, or {@code null} for {@code ../shared/tools/pymtrace}
     * @param out         the results folder, or {@code null} for {@code bench-results/DATE-TIME}
     * @param commandLine the command as the report shows it
     */
    public record Options(List<Path> traces, List<BenchStack> stacks, List<Peer> peers, List<JmhSuite.Suite> suites,
                          int runs, int replayForks, int warmup, boolean jmh, JmhSuite.Settings settings,
                          boolean cAnchors, Path replayer, Path out, String commandLine) {

        public Options {
            traces = Collections.unmodifiableList(new ArrayList<>(traces)); // may hold null, the bundled trace
            stacks = List.copyOf(stacks);
            peers = List.copyOf(peers);
            suites = List.copyOf(suites);
            Objects.requireNonNull(settings, "settings");
            Objects.requireNonNull(commandLine, "commandLine");
        }
    }

    /**
     * What a session wrote.
     *
     * @param charts  the chart files it drew, in order (none when nothing was measured)
     * @param results its {@code results.md}
     */
    public record Outcome(List<Path> charts, Path results) {
    }

    private final Options o;
    private final Consumer<String> progress;
    /** The C replayer of this session, or null when it runs without the C anchors. */
    private CReplayer cAnchors;

    private BenchSession(Options options, Consumer<String> progress) {
        this.o = options;
        this.progress = progress;
    }

    /** Runs a whole session, {@code progress} getting a line at each step. */
    public static Outcome run(Options options, Consumer<String> progress) throws IOException, InterruptedException {
        return new BenchSession(options, progress).run();
    }

    /**
     * The trace files that {@code names} stand for: a name of {@code ../shared/traces}
     * ({@code compile}, {@code compile.pymt}), a file, {@code bundled} (a {@code null}
     * element), or {@code none} alone (no traces). {@code null} names: every trace in
     * {@code ../shared/traces}, else the bundled one.
     *
     * @throws IllegalArgumentException naming a trace that is neither a file nor a shared trace, or
     *                                  whose header does not read as a trace's
     */
    public static List<Path> traceFiles(List<String> names) throws IOException {
        Path shared = Machine.sharedDir().resolve("traces");
        if (names == null) {
            if (Files.isDirectory(shared)) {
                try (Stream<Path> s = Files.list(shared)) {
                    List<Path> found = s.filter(p -> p.toString().endsWith(".pymt")).sorted().toList();
                    if (!found.isEmpty()) {
                        return found;
                    }
                }
            }
            return Arrays.asList((Path) null);
        }
        if (names.equals(List.of("none"))) {
            return List.of();
        }
        List<Path> list = new ArrayList<>();
        for (String t : names) {
            if (t.equals("bundled")) {
                list.add(null);
                continue;
            }
            Path p = Path.of(t);
            Path named = shared.resolve(t.endsWith(".pymt") ? t : t + ".pymt");
            if (!Files.isRegularFile(p) && !t.contains("/") && Files.isRegularFile(named)) {
                p = named;
            }
            if (!Files.isRegularFile(p)) {
                throw new IllegalArgumentException(t + ": no such file, nor a trace of " + shared);
            }
            // Its header now, so that a file that is no trace stops the session before anything runs.
            try (TraceCursor c = TraceCursor.open(p)) {
                c.header();
            } catch (IOException | RuntimeException e) {
                throw new IllegalArgumentException(t + ": not a readable .pymt trace: " + e.getMessage(), e);
            }
            list.add(p);
        }
        return list;
    }

    private Outcome run() throws IOException, InterruptedException {
        // The C replayer first: one named with --replayer that is not there fails the session before any work.
        cAnchors = o.cAnchors() && !o.traces().isEmpty() ? cReplayer() : null;
        ZonedDateTime start = ZonedDateTime.now(ZoneOffset.UTC);
        Path dir = o.out() != null ? o.out()
                : Path.of("bench-results", start.format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT)));
        Files.createDirectories(dir);
        String loadAtStart = Machine.loadAverage();

        List<ReplayFigures> figures = replay();
        List<JmhRow> jmhRows = o.jmh() ? jmh(dir) : List.of();

        String warmed = o.warmup() == ReplayEngine.AUTO_WARMUP
                ? "a warm-up of " + ReplayEngine.WARMUP_EVENTS / 1_000_000 + " million events or "
                        + ReplayEngine.WARMUP_MILLIS / 1000 + " s"
                : o.warmup() + " warm-up runs";
        String replayed = o.traces().isEmpty() ? "not run"
                : o.runs() + " timed runs after " + warmed + " (C: no warm-up), each target in its own JVM or C child,"
                        + " one after the other per trace" + (o.replayForks() == 1 ? ""
                        : ", " + o.replayForks() + " such processes per target in turns, the median of their medians");
        String method = "trace replay: " + replayed + "; JMH: "
                + (o.jmh() ? o.settings().name() + " settings (" + o.settings().describe() + ")" : "not run")
                + "; load average " + loadAtStart + " at the start, " + Machine.loadAverage() + " at the end";
        BenchReport.Setup setup = new BenchReport.Setup(start.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME),
                Machine.describe(), Machine.jdk(), o.commandLine(), method);
        Path results = dir.resolve("results.md");
        Files.writeString(results, BenchReport.markdown(setup, figures, jmhRows), StandardCharsets.UTF_8);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve("replay.json").toFile(), figures);
        List<Path> charts = new ArrayList<>();
        if (figures.stream().anyMatch(ReplayFigures::measured)) {
            BenchChart.replay(dir.resolve(BenchReport.REPLAY_CHART), figures);
            charts.add(dir.resolve(BenchReport.REPLAY_CHART));
        }
        if (BenchChart.pairs(dir.resolve(BenchReport.PAIR_CHART), jmhRows)) {
            charts.add(dir.resolve(BenchReport.PAIR_CHART));
        }
        return new Outcome(List.copyOf(charts), results);
    }

    private List<ReplayFigures> replay() {
        List<ReplayFigures> all = new ArrayList<>();
        List<Path> traceFiles = o.traces();
        if (traceFiles.isEmpty()) {
            return all;
        }
        List<BenchStack> stackList = o.stacks();
        int replayForks = o.replayForks();
        List<Peer> sizeOnly = o.peers().stream().filter(Peer::sizeOnly).toList();
        CReplayer c = cAnchors;
        int perTrace = (stackList.size() + sizeOnly.size() + (c != null ? 1 : 0)) * replayForks;
        int total = perTrace * traceFiles.size();
        progress("replay: " + traceFiles.size() + " traces x (" + stackList.size() + " stacks, " + sizeOnly.size()
                + " peers" + (c != null ? ", the C anchors" : "") + "), " + o.runs() + " timed runs each"
                + (replayForks == 1 ? "" : ", " + replayForks + " processes each"));
        int done = 0;
        for (Path trace : traceFiles) {
            String name = trace == null ? TraceFile.BUNDLED.replace(".pymt", "") : trace.getFileName().toString()
                    .replaceFirst("\\.pymt$", "");
            // Forks of every target by target, in the order they first ran; the rounds take
            // the targets in turns, so that a change in the machine's load hits them alike.
            Map<String, List<ReplayFigures>> forks = new LinkedHashMap<>();
            for (int round = 1; round <= replayForks; round++) {
                String fork = replayForks == 1 ? "" : " (" + round + "/" + replayForks + ")";
                if (c != null) {
                    progress(String.format(Locale.ROOT, "[%d/%d] %s: C replay bench -b %s%s", ++done, total, name,
                            String.join(",", CReplayer.BACKENDS), fork));
                    Path file = trace != null ? trace : bundledCopy();
                    for (ReplayFigures f : c.bench(file, CReplayer.BACKENDS, o.runs())) {
                        forks.computeIfAbsent(f.target(), k -> new ArrayList<>()).add(renamed(f, name));
                        progress("        " + line(f));
                    }
                }
                List<String> labels = new ArrayList<>(stackList.stream().map(BenchStack::label).toList());
                sizeOnly.forEach(p -> labels.add(p.label()));
                for (int i = 0; i < labels.size(); i++) {
                    ReplayFigures.Kind kind = i < stackList.size() ? ReplayFigures.Kind.STACK : ReplayFigures.Kind.PEER;
                    progress(String.format(Locale.ROOT, "[%d/%d] %s: %s%s", ++done, total, name, labels.get(i), fork));
                    ReplayFigures f = ReplayBench.run(trace, kind, labels.get(i), o.warmup(), o.runs());
                    forks.computeIfAbsent(f.target(), k -> new ArrayList<>()).add(f);
                    progress("        " + line(f));
                }
            }
            for (List<ReplayFigures> f : forks.values()) {
                all.add(ReplayFigures.ofForks(f));
            }
        }
        return all;
    }

    /** The C replayer names a trace by its file; the bundled trace is replayed from a copy. */
    private static ReplayFigures renamed(ReplayFigures f, String trace) {
        return f.trace() != null && f.trace().equals(trace) ? f
                : new ReplayFigures(trace, f.target(), f.kind(), f.events(), f.runs(), f.medianNsPerEvent(),
                f.minNsPerEvent(), f.baseRssKib(), f.peakRssKib(), f.arenaBytesPeak(), f.arenaBytesEnd(), f.note());
    }

    private static Path bundledCopy() {
        try {
            Path tmp = Files.createTempDirectory("pymem-bench").resolve(TraceFile.BUNDLED);
            try (var in = TraceFile.openBundled()) {
                Files.copy(in, tmp);
            }
            tmp.toFile().deleteOnExit();
            tmp.getParent().toFile().deleteOnExit();
            return tmp;
        } catch (IOException e) {
            throw new BenchSetupException("cannot copy the bundled trace for the C replayer: " + e, e);
        }
    }

    private static String line(ReplayFigures f) {
        if (!f.measured()) {
            return f.target() + ": not run: " + f.note();
        }
        return String.format(Locale.ROOT, "%s: median %.2f ns/event, min %.2f, peak RSS %s MiB%s", f.target(),
                f.medianNsPerEvent(), f.minNsPerEvent(), BenchReport.mib(f.peakRssKib() * 1024),
                f.arenaBytesPeak() < 0 ? "" : ", arenas at peak " + BenchReport.mib(f.arenaBytesPeak()) + " MiB");
    }

    /**
     * The C replayer; null, with a line of progress, when the default one is not there or does
     * not build.
     *
     * @throws BenchSetupException when the replayer named in the options is not there or does not build
     */
    private CReplayer cReplayer() {
        Path where = o.replayer() != null ? o.replayer() : Machine.sharedDir().resolve("tools").resolve("pymtrace");
        if (o.replayer() != null && !Files.exists(where)) {
            throw new BenchSetupException("--replayer " + where + ": no such file or directory", null);
        }
        try {
            if (Files.isRegularFile(where)) {
                return CReplayer.at(where);
            }
            CReplayer c = CReplayer.locate(where, Path.of(System.getProperty("java.io.tmpdir"), "pymem4j-pymtrace"));
            progress("C anchors: " + c.executable());
            return c;
        } catch (IOException e) {
            if (o.replayer() != null) {
                throw new BenchSetupException("--replayer " + where + ": " + e.getMessage(), e);
            }
            progress("C anchors skipped: " + e.getMessage());
            return null;
        }
    }

    private List<JmhRow> jmh(Path dir) throws IOException, InterruptedException {
        Path json = dir.resolve("jmh.json");
        Path log = dir.resolve("jmh.log");
        progress("jmh: " + o.suites().stream().map(JmhSuite.Suite::label).toList() + ", log in " + log);
        Process host = JmhSuite.launch(o.suites(), o.stacks().stream().map(BenchStack::label).toList(), o.peers(),
                o.settings(), json, log);
        try (BufferedReader r = new BufferedReader(new InputStreamReader(host.getErrorStream(), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.startsWith("jmh")) {
                    progress(line);
                }
            }
        }
        int status = host.waitFor();
        if (status != 0) {
            progress("jmh: the JMH host exited with status " + status + "; see " + log);
        }
        if (!Files.isRegularFile(json)) {
            progress("jmh: no results (" + json + " missing)");
            return List.of();
        }
        return JmhRow.read(json);
    }

    private void progress(String line) {
        progress.accept(line);
    }
}
