package io.pymem4j.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The C anchors: {@code replay bench} of the pymtrace tools ({@code shared/tools/pymtrace}),
 * which replays a trace through glibc, CPython 3.11's own obmalloc (libpython's
 * {@code PyObject_Malloc} and friends), jemalloc and mimalloc, with the method the Java
 * replay mirrors. Its output, one line per backend:
 * <pre>
 *   backend=pymalloc trace=compile events=2109326 runs=5 min_ns_per_event=9.84 median_ns_per_event=11.46
 *       total_s=0.048 base_rss_kib=46020 peak_rss_kib=58368
 * </pre>
 * With {@code --malloc-stats} it also prints {@code _PyObject_DebugMallocStats} on stderr after
 * the last run, before that run's live blocks are freed; its {@code # arenas highwater mark},
 * {@code # arenas allocated current} and {@code N arenas * SIZE bytes/arena} lines give the
 * C obmalloc's arena bytes at peak and at the end, next to pymalloc's. They include the
 * embedded interpreter's own objects, which the Java replay does not have. A backend that
 * cannot load (no libjemalloc2) is reported on stderr and missing from stdout.
 */
public final class CReplayer {

    /** The replayer's backends, in the order a run measures them. */
    public static final List<String> BACKENDS = List.of("glibc", "pymalloc", "jemalloc", "mimalloc");
    /** The files {@code make replay} needs. */
    private static final List<String> SOURCES = List.of("Makefile", "replay.c", "pymt.h");

    private static final Pattern HIGHWATER = Pattern.compile("^# arenas highwater mark\\s*=\\s*([\\d,]+)\\s*$",
            Pattern.MULTILINE);
    private static final Pattern CURRENT = Pattern.compile("^# arenas allocated current\\s*=\\s*([\\d,]+)\\s*$",
            Pattern.MULTILINE);
    private static final Pattern ARENA_SIZE = Pattern.compile("^\\d+ arenas \\* (\\d+) bytes/arena", Pattern.MULTILINE);
    private static final Pattern UNAVAILABLE = Pattern.compile("^replay: backend (\\S+) (.*)$", Pattern.MULTILINE);

    private final Path executable;

    private CReplayer(Path executable) {
        this.executable = executable;
    }

    /** The replayer at {@code executable}. */
    public static CReplayer at(Path executable) {
        return new CReplayer(executable);
    }

    public Path executable() {
        return executable;
    }

    /**
     * The replayer of the tools directory {@code sources}: {@code sources/replay} if it is
     * built, else one built with {@code make replay} from a copy in {@code buildDir} (the
     * shared directory is read-only), reused while newer than the sources.
     *
     * @throws IOException with make's last lines when there is no replayer and it does not build
     */
    public static CReplayer locate(Path sources, Path buildDir) throws IOException {
        Path built = sources.resolve("replay");
        if (Files.isExecutable(built)) {
            return at(built);
        }
        if (!Files.isRegularFile(sources.resolve("replay.c"))) {
            throw new IOException("no C replayer: " + sources.resolve("replay.c") + " does not exist");
        }
        Path target = buildDir.resolve("replay");
        if (Files.isExecutable(target) && newerThanSources(target, sources)) {
            return at(target);
        }
        Files.createDirectories(buildDir);
        for (String f : SOURCES) {
            Files.copy(sources.resolve(f), buildDir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        ProcessBuilder make = new ProcessBuilder("make", "-C", buildDir.toString(), "replay").redirectErrorStream(true);
        Output out = execute(make);
        if (out.status != 0 || !Files.isExecutable(target)) {
            throw new IOException("the C replayer does not build (make -C " + buildDir + " replay, status " + out.status
                    + "; it needs gcc, zlib1g-dev and python3.11-dev): " + ReplayBench.tail(out.stdout));
        }
        return at(target);
    }

    private static boolean newerThanSources(Path target, Path sources) throws IOException {
        FileTime built = Files.getLastModifiedTime(target);
        for (String f : SOURCES) {
            if (Files.getLastModifiedTime(sources.resolve(f)).compareTo(built) > 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Runs {@code replay bench -b BACKENDS -n RUNS --malloc-stats TRACE} once: each backend in
     * its own child, one after the other. Every backend asked for gets figures; one that did
     * not run has the replayer's reason as the note.
     */
    public List<ReplayFigures> bench(Path trace, List<String> backends, int runs) {
        String traceName = trace.getFileName().toString().replaceFirst("\\.pymt$", "");
        List<String> cmd = List.of(executable.toString(), "bench", "-b", String.join(",", backends), "-n",
                Integer.toString(runs), "--malloc-stats", trace.toString());
        Output out;
        try {
            out = execute(new ProcessBuilder(cmd));
        } catch (IOException e) {
            List<ReplayFigures> none = new ArrayList<>();
            for (String b : backends) {
                none.add(ReplayFigures.notRun(traceName, "C " + b, ReplayFigures.Kind.C, "cannot run the C replayer: " + e));
            }
            return none;
        }
        return parse(out.stdout, out.stderr, traceName, backends);
    }

    /** The figures of each of {@code backends} from the replayer's stdout and stderr. */
    static List<ReplayFigures> parse(String stdout, String stderr, String traceName, List<String> backends) {
        Map<String, Map<String, String>> lines = new HashMap<>();
        for (String line : stdout.lines().toList()) {
            if (line.startsWith("backend=")) {
                Map<String, String> f = fields(line);
                lines.put(f.get("backend"), f);
            }
        }
        Map<String, String> why = new HashMap<>();
        Matcher m = UNAVAILABLE.matcher(stderr);
        while (m.find()) {
            why.merge(m.group(1), m.group(2), (a, b) -> a + "; " + b);
        }
        List<ReplayFigures> result = new ArrayList<>();
        for (String b : backends) {
            Map<String, String> f = lines.get(b);
            if (f == null) {
                result.add(ReplayFigures.notRun(traceName, "C " + b, ReplayFigures.Kind.C,
                        "the C replayer gave no figures" + (why.containsKey(b) ? ": " + why.get(b) : "")));
                continue;
            }
            long[] arenas = b.equals("pymalloc") ? arenaBytes(stderr) : new long[] {-1, -1};
            result.add(new ReplayFigures(f.get("trace"), "C " + b, ReplayFigures.Kind.C, Long.parseLong(f.get("events")),
                    Integer.parseInt(f.get("runs")), Double.parseDouble(f.get("median_ns_per_event")),
                    Double.parseDouble(f.get("min_ns_per_event")), Long.parseLong(f.get("base_rss_kib")),
                    Long.parseLong(f.get("peak_rss_kib")), arenas[0], arenas[1], ""));
        }
        return result;
    }

    /** {@code key=value} fields of one line; a field without '=' (the "(peak_rss not reset ...)" remark) is skipped. */
    static Map<String, String> fields(String line) {
        Map<String, String> f = new LinkedHashMap<>();
        for (String kv : line.strip().split("\\s+")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                f.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        return f;
    }

    /** Arena bytes at the high-water mark and at the end, from a {@code _PyObject_DebugMallocStats} report, or -1s. */
    static long[] arenaBytes(String report) {
        Matcher hw = HIGHWATER.matcher(report);
        Matcher cur = CURRENT.matcher(report);
        Matcher size = ARENA_SIZE.matcher(report);
        if (!hw.find() || !cur.find() || !size.find()) {
            return new long[] {-1, -1};
        }
        long arena = Long.parseLong(size.group(1));
        return new long[] {number(hw.group(1)) * arena, number(cur.group(1)) * arena};
    }

    private static long number(String digits) {
        return Long.parseLong(digits.replace(",", ""));
    }

    private record Output(int status, String stdout, String stderr) {
    }

    private static Output execute(ProcessBuilder pb) throws IOException {
        Process p = pb.start();
        p.getOutputStream().close();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread pump = Thread.ofVirtual().start(() -> {
            try (InputStream in = p.getErrorStream()) {
                in.transferTo(err);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            int status = p.waitFor();
            pump.join();
            return new Output(status, out, err.toString(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            p.destroy();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
