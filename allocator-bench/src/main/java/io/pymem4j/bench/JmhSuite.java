package io.pymem4j.bench;

import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormat;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The JMH suites, run programmatically ({@link Runner} with {@link OptionsBuilder}): which
 * suites, which stacks (the {@code stack} parameter) and which peers (each its own
 * benchmark method), with short or long iteration settings.
 *
 * <h2>Two JVM levels</h2>
 * {@link #launch} starts a <em>host</em> JVM ({@link #main}) that runs the {@link Runner};
 * JMH then forks one JVM per benchmark and parameter set, with the host's {@code java},
 * class path and environment. The host exists because jemalloc through FFM loads only in a
 * process started with a glibc tunable in its environment, which a running JVM cannot give
 * itself or its forks. The host writes JMH's human-readable log on stdout, one progress line
 * per benchmark on stderr, and the results as JMH JSON ({@link ResultFormatType#JSON}).
 */
public final class JmhSuite {

    /** The suites, by the names the options use. */
    public enum Suite {
        PAIR("pair", PairBenchmark.class),
        MIXED("mixed", MixedBenchmark.class),
        REALLOC("realloc", ReallocBenchmark.class),
        TWO_THREAD("two-thread", TwoThreadBenchmark.class);

        private final String label;
        private final Class<?> type;

        Suite(String label, Class<?> type) {
            this.label = label;
            this.type = type;
        }

        public String label() {
            return label;
        }

        public static Suite of(String label) {
            for (Suite s : values()) {
                if (s.label.equals(label)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("unknown suite '" + label + "'; the suites are "
                    + Arrays.stream(values()).map(Suite::label).toList());
        }
    }

    /**
     * JMH iteration settings and the block sizes. {@link #SHORT}: 1 fork, 3 warm-up and 3
     * measured iterations of 200 ms, so that every suite, stack and peer together run in
     * minutes; fine to see that everything works and for coarse ratios, not for a report.
     * {@link #LONG}: 3 forks, 5 warm-up and 5 measured iterations of 1 s, JMH practice for
     * figures to publish (about 10x longer). Either with more forks and fewer sizes makes a
     * focused run: one short fork is too noisy for the pair, while the 64-byte pair alone in
     * 3 short forks is steady and quick.
     *
     * @param sizes the {@code size} parameter of the suites that have one (pair, two-thread);
     *              empty for each suite's own list
     */
    public record Settings(String name, int forks, int warmupIterations, int warmupMillis, int iterations,
                           int millis, List<Integer> sizes) {

        public static final Settings SHORT = new Settings("short", 1, 3, 200, 3, 200, List.of());
        public static final Settings LONG = new Settings("long", 3, 5, 1000, 5, 1000, List.of());

        public Settings {
            if (forks < 1) {
                throw new IllegalArgumentException("JMH forks must be 1 or more, not " + forks);
            }
            for (int size : sizes) {
                if (size < 1) {
                    throw new IllegalArgumentException("block sizes must be 1 or more, not " + size);
                }
            }
            sizes = List.copyOf(sizes);
        }

        /** These settings with {@code n} forks. */
        public Settings withForks(int n) {
            return new Settings(name, n, warmupIterations, warmupMillis, iterations, millis, sizes);
        }

        /** These settings with the pair and two-thread suites at {@code list} alone. */
        public Settings withSizes(List<Integer> list) {
            return new Settings(name, forks, warmupIterations, warmupMillis, iterations, millis, list);
        }

        /** E.g. {@code 1 fork, 3 warm-up and 3 measured iterations of 200 ms, sizes 64}. */
        public String describe() {
            return forks + (forks == 1 ? " fork, " : " forks, ") + warmupIterations + " warm-up and " + iterations
                    + " measured iterations of " + (millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms")
                    + (sizes.isEmpty() ? "" : ", sizes " + sizes.stream().map(String::valueOf).collect(Collectors.joining(",")));
        }

        /** The host's arguments for these settings. */
        List<String> arguments() {
            return List.of("--settings", name, "--forks", Integer.toString(forks), "--sizes",
                    sizes.isEmpty() ? "-" : sizes.stream().map(String::valueOf).collect(Collectors.joining(",")));
        }

        static Settings parse(Map<String, String> args) {
            Settings base = switch (args.getOrDefault("--settings", "short")) {
                case "short" -> SHORT;
                case "long" -> LONG;
                default -> throw new IllegalArgumentException("--settings: short or long, not " + args.get("--settings"));
            };
            if (args.containsKey("--forks")) {
                base = base.withForks(Integer.parseInt(args.get("--forks")));
            }
            return base.withSizes(parseList(args.getOrDefault("--sizes", "-")).stream().map(Integer::valueOf).toList());
        }
    }

    /** The suffixes of the two-thread suite's variants ({@code stackLocal}, {@code ffmGlibcCross}, ...). */
    public static final List<String> VARIANTS = List.of("Local", "Cross", "Solo");

    /** The JVM options of every fork. */
    static final List<String> FORK_OPTIONS = List.of("--enable-native-access=ALL-UNNAMED", "-Xmx1g", ChildJvm.REAPER_STACK);

    private JmhSuite() {
    }

    /**
     * The include pattern of {@code suites} restricted to the stack benchmarks (when
     * {@code stacks} is not empty) and the benchmarks of {@code peers}.
     */
    static String include(List<Suite> suites, boolean stacks, List<Peer> peers) {
        List<String> methods = new ArrayList<>();
        if (stacks) {
            methods.add("stack");
        }
        for (Peer p : peers) {
            methods.add(p.method());
        }
        if (suites.isEmpty() || methods.isEmpty()) {
            return "^$";
        }
        String classes = suites.stream().map(s -> Pattern.quote(s.type.getName())).collect(Collectors.joining("|"));
        return "^(" + classes + ")\\.(" + String.join("|", methods) + ")(" + String.join("|", VARIANTS) + ")?$";
    }

    /** The JMH options of a run. */
    static Options options(List<Suite> suites, List<String> stacks, List<Peer> peers, Settings s, Path json) {
        ChainedOptionsBuilder b = new OptionsBuilder()
                .include(include(suites, !stacks.isEmpty(), peers))
                .forks(s.forks())
                .warmupIterations(s.warmupIterations())
                .warmupTime(TimeValue.milliseconds(s.warmupMillis()))
                .measurementIterations(s.iterations())
                .measurementTime(TimeValue.milliseconds(s.millis()))
                .timeUnit(TimeUnit.NANOSECONDS)
                .jvmArgs(FORK_OPTIONS.toArray(String[]::new))
                .shouldFailOnError(false)
                .resultFormat(ResultFormatType.JSON)
                .result(json.toString());
        if (!stacks.isEmpty()) {
            b.param("stack", stacks.toArray(String[]::new));
        }
        if (!s.sizes().isEmpty()) {
            b.param("size", s.sizes().stream().map(String::valueOf).toArray(String[]::new));
        }
        return b.build();
    }

    /**
     * Starts the host JVM of a run; its stdout (JMH's log) goes to {@code log}, its stderr
     * (progress and skipped peers) stays a pipe for the caller to read.
     */
    public static Process launch(List<Suite> suites, List<String> stacks, List<Peer> peers, Settings settings, Path json,
                                 Path log) throws IOException {
        Map<String, String> env = new HashMap<>();
        peers.forEach(p -> env.putAll(p.environment()));
        List<String> args = new ArrayList<>(List.of("--json", json.toAbsolutePath().toString(),
                "--suites", list(suites.stream().map(Suite::label).toList()),
                "--stacks", list(stacks),
                "--peers", list(peers.stream().map(Peer::label).toList())));
        args.addAll(settings.arguments());
        ProcessBuilder pb = ChildJvm.builder(List.of("-Xmx512m", ChildJvm.REAPER_STACK), JmhSuite.class, args, env)
                .redirectOutput(log.toFile());
        Process p = pb.start();
        p.getOutputStream().close();
        return p;
    }

    private static String list(List<String> items) {
        return items.isEmpty() ? "-" : String.join(",", items);
    }

    private static List<String> parseList(String arg) {
        return arg.equals("-") ? List.of() : Arrays.asList(arg.split(","));
    }

    /**
     * The host: {@code JmhSuite --json PATH --suites LIST --stacks LIST --peers LIST
     * --settings short|long [--forks N] [--sizes LIST]} ("-" is an empty list).
     */
    public static void main(String[] args) throws RunnerException {
        Map<String, String> a = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            a.put(args[i], args[i + 1]);
        }
        List<Suite> suites = parseList(a.getOrDefault("--suites", "-")).stream().map(Suite::of).toList();
        List<String> stacks = parseList(a.getOrDefault("--stacks", "-"));
        List<Peer> peers = new ArrayList<>();
        for (String label : parseList(a.getOrDefault("--peers", "-"))) {
            Peer p = Peer.of(label);
            String why = p.unavailable();
            if (why == null) {
                peers.add(p);
            } else {
                System.err.println("jmh: skipped " + label + ": " + why);
            }
        }
        Settings settings = Settings.parse(a);
        Options options = options(suites, stacks, peers, settings, Path.of(a.get("--json")));
        int total = count(options.getIncludes().getFirst(), stacks.size(), settings.sizes().size());
        System.err.println("jmh: " + total + " benchmarks, " + settings.name() + " settings (" + settings.describe() + ")");
        PrintStream log = System.out;
        new Runner(options, new Progress(OutputFormatFactory.createFormatInstance(log, VerboseMode.NORMAL), System.err,
                total)).run();
    }

    /**
     * Benchmarks (with their parameter sets) that {@code include} selects, with {@code sizes}
     * block sizes given (0: each suite's own list).
     */
    static int count(String include, int stacks, int sizes) {
        int n = 0;
        for (BenchmarkListEntry e : BenchmarkList.defaultList().find(
                OutputFormatFactory.createFormatInstance(new PrintStream(PrintStream.nullOutputStream()), VerboseMode.SILENT),
                List.of(include), List.of())) {
            int sets = e.getUsername().contains(".stack") ? stacks : 1;
            String[] ownSizes = e.getParams().orElse(Map.of()).get("size");
            if (ownSizes != null) {
                sets *= sizes > 0 ? sizes : ownSizes.length;
            }
            n += sets;
        }
        return n;
    }

    /** JMH's own output, plus one progress line per benchmark on {@code progress}. */
    private static final class Progress implements OutputFormat {
        private final OutputFormat log;
        private final PrintStream progress;
        private final int total;
        private int started;

        Progress(OutputFormat log, PrintStream progress, int total) {
            this.log = log;
            this.progress = progress;
            this.total = total;
        }

        private static String describe(BenchmarkParams p) {
            String name = p.getBenchmark().substring(p.getBenchmark().lastIndexOf('.', p.getBenchmark().lastIndexOf('.') - 1) + 1);
            String params = p.getParamsKeys().stream().map(k -> k + "=" + p.getParam(k)).collect(Collectors.joining(" "));
            return params.isEmpty() ? name : name + " " + params;
        }

        @Override
        public void startBenchmark(BenchmarkParams p) {
            started++;
            progress.println("jmh [" + started + "/" + total + "] " + describe(p));
            progress.flush();
            log.startBenchmark(p);
        }

        @Override
        public void endBenchmark(BenchmarkResult result) {
            if (result != null) {
                Result<?> r = result.getPrimaryResult();
                progress.println(String.format(Locale.ROOT, "jmh [%d/%d] %s: %.2f %s", started, total,
                        describe(result.getParams()), r.getScore(), r.getScoreUnit()));
            } else {
                progress.println("jmh [" + started + "/" + total + "] failed (see jmh.log)");
            }
            progress.flush();
            log.endBenchmark(result);
        }

        @Override
        public void iteration(BenchmarkParams p, IterationParams i, int n) {
            log.iteration(p, i, n);
        }

        @Override
        public void iterationResult(BenchmarkParams p, IterationParams i, int n, IterationResult r) {
            log.iterationResult(p, i, n, r);
        }

        @Override
        public void startRun() {
            log.startRun();
        }

        @Override
        public void endRun(Collection<RunResult> results) {
            log.endRun(results);
        }

        @Override
        public void print(String s) {
            log.print(s);
        }

        @Override
        public void println(String s) {
            log.println(s);
        }

        @Override
        public void flush() {
            log.flush();
        }

        @Override
        public void close() {
            log.close();
        }

        @Override
        public void verbosePrintln(String s) {
            log.verbosePrintln(s);
        }

        @Override
        public void write(int b) {
            log.write(b);
        }

        @Override
        public void write(byte[] b) throws IOException {
            log.write(b);
        }
    }
}
