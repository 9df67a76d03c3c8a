package io.pymem4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.pymem4j.bench.BenchStack;
import io.pymem4j.bench.CReplayer;
import io.pymem4j.bench.JmhSuite;
import io.pymem4j.bench.Peer;
import io.pymem4j.bench.ReplayBench;
import io.pymem4j.replay.ReplayEngine;
import io.pymem4j.bench.ReplayFigures;
import io.pymem4j.replay.TraceFile;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code pymem bench}: every stack against the Java peers and the C allocators, in one
 * session, into a results folder. See allocator-bench's package doc for the suites.
 */
@Command(name = "bench",
        description = {"Benchmarks the allocator stacks against the Java peers and the C allocators, in one session:",
                "the trace replays (each target in its own JVM; the C anchors through ../shared/tools/pymtrace's replay bench)",
                "and the JMH suites. Writes results.md, replay.png, jmh-pair.png, replay.json, jmh.json and jmh.log into"
                        + " the results folder; progress goes to stderr."})
final class BenchCommand implements Callable<Integer> {

    private static final String NONE = "none";

    @Spec
    private CommandSpec spec;

    @Option(names = "--traces", split = ",", paramLabel = "TRACE",
            description = "Traces to replay: names in ../shared/traces (compile), .pymt files, 'bundled' or 'none'."
                    + " Default: every trace in ../shared/traces, else the bundled compile trace.")
    private List<String> traces;

    @Option(names = "--stacks", split = ",", paramLabel = "STACK",
            description = "Stacks: a stack name, then ':option' runtime options (pymalloc:gil, pymalloc:tracemalloc=10),"
                    + " or 'none'. Default: ${DEFAULT-VALUE}.",
            defaultValue = "malloc,pymalloc,pymalloc:gil,pymalloc_debug,pymalloc:tracemalloc=1,pymalloc:tracemalloc=10")
    private List<String> stacks;

    @Option(names = "--peers", split = ",", paramLabel = "PEER",
            description = "Java peers, 'all' or 'none'. Default: all (${COMPLETION-CANDIDATES}).",
            defaultValue = "all", completionCandidates = PeerNames.class)
    private List<String> peers;

    @Option(names = {"-n", "--runs"}, paramLabel = "N", defaultValue = "5",
            description = "Timed replay runs of each target and trace (Java and C). Default: ${DEFAULT-VALUE}.")
    private int runs;

    @Option(names = "--replay-forks", paramLabel = "N", defaultValue = "1",
            description = "Processes per target and trace (Java: a JVM each, C: a replayer run each), taken in turns;"
                    + " each figure is the median of their medians, steadier against one JVM's unlucky JIT."
                    + " Default: ${DEFAULT-VALUE}.")
    private int replayForks;

    @Option(names = {"-w", "--warmup"}, paramLabel = "N|auto", defaultValue = "auto",
            converter = WarmupConverter.class, description = WarmupConverter.DESCRIPTION)
    private int warmup;

    @Option(names = "--jmh", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Run the JMH suites (--no-jmh: the replays only). Default: on, short settings.")
    private boolean jmh;

    @Option(names = "--jmh-suites", split = ",", paramLabel = "SUITE", defaultValue = "pair,mixed,realloc,two-thread",
            description = "JMH suites. Default: ${DEFAULT-VALUE}.")
    private List<String> suites;

    @Option(names = "--long", description = "JMH's long settings for figures to publish (3 forks, 5+5 iterations of 1 s;"
            + " about 10x the default 1 fork, 3+3 iterations of 200 ms).")
    private boolean longSettings;

    @Option(names = "--jmh-forks", paramLabel = "N",
            description = "JMH forks of each benchmark, instead of the settings' own (short 1, long 3).")
    private Integer jmhForks;

    @Option(names = "--jmh-sizes", split = ",", paramLabel = "BYTES",
            description = "Block sizes of the pair and two-thread suites, instead of their own (pair 16,64,256,512,4096;"
                    + " two-thread 64), e.g. --jmh-sizes 64 --jmh-forks 3 for a steady 64-byte pair.")
    private List<Integer> jmhSizes;

    @Option(names = "--c-anchors", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Replay each trace through the C replayer too (--no-c-anchors: skip). Default: on.")
    private boolean cAnchors;

    @Option(names = "--replayer", paramLabel = "PATH",
            description = "The C replayer: the pymtrace directory or its replay executable. Default:"
                    + " ../shared/tools/pymtrace, built into the temp directory if it is not built.")
    private Path replayer;

    @Option(names = "--out", paramLabel = "DIR",
            description = "The results folder. Default: bench-results/DATE-TIME.")
    private Path out;

    private PrintWriter err;

    /** Names of the peers, for the help text. */
    static final class PeerNames extends ArrayList<String> {
        PeerNames() {
            super(Peer.labels());
        }
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        err = spec.commandLine().getErr();
        if (runs < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--runs must be 1 or more, not " + runs);
        }
        if (replayForks < 1) {
            throw new UsageError("--replay-forks must be 1 or more, not " + replayForks, null);
        }
        JmhSuite.Settings settings = jmhSettings();
        List<BenchStack> stackList = stackList();
        List<Peer> peerList = peerList();
        List<JmhSuite.Suite> suiteList = suites.stream().map(this::suite).toList();
        List<Path> traceFiles = traceFiles();
        ZonedDateTime start = ZonedDateTime.now(ZoneOffset.UTC);
        Path dir = out != null ? out
                : Path.of("bench-results", start.format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT)));
        Files.createDirectories(dir);
        String loadAtStart = Machine.loadAverage();

        List<ReplayFigures> figures = replay(traceFiles, stackList, peerList);
        List<JmhRow> jmhRows = jmh ? jmh(suiteList, stackList, peerList, settings, dir) : List.of();

        String warmed = warmup == ReplayEngine.AUTO_WARMUP
                ? "a warm-up of " + WarmupConverter.AUTO
                : warmup + " warm-up runs";
        String replayed = traceFiles.isEmpty() ? "not run"
                : runs + " timed runs after " + warmed + " (C: no warm-up), each target in its own JVM or C child,"
                        + " one after the other per trace" + (replayForks == 1 ? ""
                        : ", " + replayForks + " such processes per target in turns, the median of their medians");
        String method = "trace replay: " + replayed + "; JMH: "
                + (jmh ? settings.name() + " settings (" + settings.describe() + ")" : "not run")
                + "; load average " + loadAtStart + " at the start, " + Machine.loadAverage() + " at the end";
        BenchReport.Setup setup = new BenchReport.Setup(start.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME),
                Machine.describe(), Machine.jdk(), commandLine(), method);
        Files.writeString(dir.resolve("results.md"), BenchReport.markdown(setup, figures, jmhRows), StandardCharsets.UTF_8);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve("replay.json").toFile(), figures);
        PrintWriter stdout = spec.commandLine().getOut();
        if (figures.stream().anyMatch(ReplayFigures::measured)) {
            BenchChart.replay(dir.resolve(BenchReport.REPLAY_CHART), figures);
            stdout.println("chart: " + dir.resolve(BenchReport.REPLAY_CHART));
        }
        if (BenchChart.pairs(dir.resolve(BenchReport.PAIR_CHART), jmhRows)) {
            stdout.println("chart: " + dir.resolve(BenchReport.PAIR_CHART));
        }
        stdout.println("results: " + dir.resolve("results.md"));
        stdout.flush();
        return 0;
    }

    private JmhSuite.Settings jmhSettings() {
        JmhSuite.Settings s = longSettings ? JmhSuite.Settings.LONG : JmhSuite.Settings.SHORT;
        try {
            if (jmhForks != null) {
                s = s.withForks(jmhForks);
            }
            return jmhSizes == null ? s : s.withSizes(jmhSizes);
        } catch (IllegalArgumentException e) {
            throw new UsageError((jmhForks != null && jmhForks < 1 ? "--jmh-forks: " : "--jmh-sizes: ") + e.getMessage(), e);
        }
    }

    private String commandLine() {
        List<String> args = spec.commandLine().getParseResult().originalArgs();
        return "pymem " + String.join(" ", args);
    }

    private List<BenchStack> stackList() {
        if (stacks.equals(List.of(NONE))) {
            return List.of();
        }
        List<BenchStack> list = new ArrayList<>();
        for (String s : stacks) {
            try {
                BenchStack b = BenchStack.parse(s);
                b.runtime(); // fail now, not in a child JVM, on a bad name or option
                list.add(b);
            } catch (IllegalArgumentException e) {
                throw new UsageError("--stacks: " + e.getMessage(), e);
            }
        }
        return list;
    }

    private List<Peer> peerList() {
        if (peers.equals(List.of(NONE))) {
            return List.of();
        }
        if (peers.equals(List.of("all"))) {
            return List.of(Peer.values());
        }
        List<Peer> list = new ArrayList<>();
        for (String p : peers) {
            try {
                list.add(Peer.of(p));
            } catch (IllegalArgumentException e) {
                throw new UsageError("--peers: " + e.getMessage(), e);
            }
        }
        return list;
    }

    private JmhSuite.Suite suite(String label) {
        try {
            return JmhSuite.Suite.of(label);
        } catch (IllegalArgumentException e) {
            throw new UsageError("--jmh-suites: " + e.getMessage(), e);
        }
    }

    /** The trace files; null stands for the bundled trace. */
    private List<Path> traceFiles() throws IOException {
        Path shared = Machine.sharedDir().resolve("traces");
        if (traces == null) {
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
        if (traces.equals(List.of(NONE))) {
            return List.of();
        }
        List<Path> list = new ArrayList<>();
        for (String t : traces) {
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
                throw new UsageError("--traces: " + t + ": no such file, nor a trace of " + shared, null);
            }
            list.add(p);
        }
        return list;
    }

    private List<ReplayFigures> replay(List<Path> traceFiles, List<BenchStack> stackList, List<Peer> peerList) {
        List<ReplayFigures> all = new ArrayList<>();
        if (traceFiles.isEmpty()) {
            return all;
        }
        List<Peer> sizeOnly = peerList.stream().filter(Peer::sizeOnly).toList();
        CReplayer c = cAnchors ? cReplayer() : null;
        int perTrace = (stackList.size() + sizeOnly.size() + (c != null ? 1 : 0)) * replayForks;
        int total = perTrace * traceFiles.size();
        progress("replay: " + traceFiles.size() + " traces x (" + stackList.size() + " stacks, " + sizeOnly.size()
                + " peers" + (c != null ? ", the C anchors" : "") + "), " + runs + " timed runs each"
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
                    for (ReplayFigures f : c.bench(file, CReplayer.BACKENDS, runs)) {
                        forks.computeIfAbsent(f.target(), k -> new ArrayList<>()).add(renamed(f, name));
                        progress("        " + line(f));
                    }
                }
                List<String> labels = new ArrayList<>(stackList.stream().map(BenchStack::label).toList());
                sizeOnly.forEach(p -> labels.add(p.label()));
                for (int i = 0; i < labels.size(); i++) {
                    ReplayFigures.Kind kind = i < stackList.size() ? ReplayFigures.Kind.STACK : ReplayFigures.Kind.PEER;
                    progress(String.format(Locale.ROOT, "[%d/%d] %s: %s%s", ++done, total, name, labels.get(i), fork));
                    ReplayFigures f = ReplayBench.run(trace, kind, labels.get(i), warmup, runs);
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

    private Path bundledCopy() {
        try {
            Path tmp = Files.createTempDirectory("pymem-bench").resolve(TraceFile.BUNDLED);
            try (var in = TraceFile.openBundled()) {
                Files.copy(in, tmp);
            }
            tmp.toFile().deleteOnExit();
            tmp.getParent().toFile().deleteOnExit();
            return tmp;
        } catch (IOException e) {
            throw new UsageError("cannot copy the bundled trace for the C replayer: " + e, e);
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

    private CReplayer cReplayer() {
        Path where = replayer != null ? replayer : Machine.sharedDir().resolve("tools").resolve("pymtrace");
        try {
            if (Files.isRegularFile(where)) {
                return CReplayer.at(where);
            }
            CReplayer c = CReplayer.locate(where, Path.of(System.getProperty("java.io.tmpdir"), "pymem4j-pymtrace"));
            progress("C anchors: " + c.executable());
            return c;
        } catch (IOException e) {
            progress("C anchors skipped: " + e.getMessage());
            return null;
        }
    }

    private List<JmhRow> jmh(List<JmhSuite.Suite> suiteList, List<BenchStack> stackList, List<Peer> peerList,
                             JmhSuite.Settings settings, Path dir)
            throws IOException, InterruptedException {
        Path json = dir.resolve("jmh.json");
        Path log = dir.resolve("jmh.log");
        progress("jmh: " + suiteList.stream().map(JmhSuite.Suite::label).toList() + ", log in " + log);
        Process host = JmhSuite.launch(suiteList, stackList.stream().map(BenchStack::label).toList(), peerList,
                settings, json, log);
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
        err.println("bench: " + line);
        err.flush();
    }

    /** Facts about this machine and where the project is. */
    static final class Machine {

        private Machine() {
        }

        /** The shared directory beside the project: ROOT/../shared, ROOT found from this class's jar or classes. */
        static Path sharedDir() {
            return projectRoot().resolve("..").resolve("shared").normalize();
        }

        static Path projectRoot() {
            try {
                Path code = Path.of(BenchCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
                // ROOT/pymem-cli/target/pymem-cli.jar or ROOT/pymem-cli/target/classes
                Path module = code.getParent() == null ? null : code.getParent().getParent();
                if (module != null && module.getParent() != null && Files.isRegularFile(module.resolve("pom.xml"))) {
                    return module.getParent();
                }
            } catch (URISyntaxException | SecurityException | NullPointerException e) {
                // fall back to the working directory
            }
            return Path.of("").toAbsolutePath();
        }

        static String loadAverage() {
            try {
                String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
                return f[0] + " " + f[1] + " " + f[2];
            } catch (IOException e) {
                return "unknown";
            }
        }

        static String describe() {
            String cpu = "unknown CPU";
            try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
                cpu = lines.filter(l -> l.startsWith("model name")).findFirst()
                        .map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse(cpu);
            } catch (IOException e) {
                // not Linux: keep "unknown"
            }
            return System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                    + System.getProperty("os.arch") + ", " + cpu + ", " + Runtime.getRuntime().availableProcessors()
                    + " CPUs, " + Runtime.getRuntime().maxMemory() / 1048576 + " MiB max heap here";
        }

        static String jdk() {
            return System.getProperty("java.vm.vendor") + " " + Runtime.version() + " (" + System.getProperty("java.home")
                    + ")";
        }
    }
}
