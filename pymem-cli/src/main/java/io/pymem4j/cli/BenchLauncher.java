package io.pymem4j.cli;

import io.pymem4j.bench.BenchSession;
import io.pymem4j.bench.BenchSetupException;
import io.pymem4j.bench.BenchStack;
import io.pymem4j.bench.JmhSuite;
import io.pymem4j.bench.Peer;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns {@code pymem bench}'s parsed options into allocator-bench's types, runs the
 * {@link BenchSession} and prints where its results went. The one class of the command line
 * that names allocator-bench's types: {@link BenchCommand} loads it only once that module is
 * known to be on the class path. A value the bench rejects is a usage error naming its option.
 */
final class BenchLauncher {

    private static final String NONE = "none";
    private static final String ALL = "all";

    private BenchLauncher() {
    }

    static int run(BenchCommand c) throws IOException, InterruptedException {
        JmhSuite.Settings settings = jmhSettings(c);
        List<BenchStack> stacks = stacks(c.stacks);
        List<Peer> peers = peers(c.peers);
        List<JmhSuite.Suite> suites = c.suites.stream().map(BenchLauncher::suite).toList();
        List<Path> traces;
        try {
            traces = BenchSession.traceFiles(c.traces);
        } catch (IllegalArgumentException e) {
            throw new UsageError("--traces: " + e.getMessage(), e);
        }
        BenchSession.Options options = new BenchSession.Options(traces, stacks, peers, suites, c.runs, c.replayForks,
                c.warmup, c.jmh, settings, c.cAnchors, c.replayer, c.out, c.commandLine());
        PrintWriter err = c.err();
        BenchSession.Outcome outcome;
        try {
            outcome = BenchSession.run(options, line -> {
                err.println("bench: " + line);
                err.flush();
            });
        } catch (BenchSetupException e) {
            throw new UsageError(e.getMessage(), e);
        }
        PrintWriter stdout = c.out();
        for (Path chart : outcome.charts()) {
            stdout.println("chart: " + chart);
        }
        stdout.println("results: " + outcome.results());
        stdout.flush();
        return 0;
    }

    private static JmhSuite.Settings jmhSettings(BenchCommand c) {
        JmhSuite.Settings s = c.longSettings ? JmhSuite.Settings.LONG : JmhSuite.Settings.SHORT;
        try {
            if (c.jmhForks != null) {
                s = s.withForks(c.jmhForks);
            }
            return c.jmhSizes == null ? s : s.withSizes(c.jmhSizes);
        } catch (IllegalArgumentException e) {
            throw new UsageError((c.jmhForks != null && c.jmhForks < 1 ? "--jmh-forks: " : "--jmh-sizes: ")
                    + e.getMessage(), e);
        }
    }

    private static List<BenchStack> stacks(List<String> labels) {
        if (labels.equals(List.of(NONE))) {
            return List.of();
        }
        alone("--stacks", NONE, labels);
        List<BenchStack> list = new ArrayList<>();
        for (String s : labels) {
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

    private static List<Peer> peers(List<String> labels) {
        if (labels.equals(List.of(NONE))) {
            return List.of();
        }
        if (labels.equals(List.of(ALL))) {
            return List.of(Peer.values());
        }
        alone("--peers", NONE, labels);
        alone("--peers", ALL, labels);
        List<Peer> list = new ArrayList<>();
        for (String p : labels) {
            try {
                list.add(Peer.of(p));
            } catch (IllegalArgumentException e) {
                throw new UsageError("--peers: " + e.getMessage(), e);
            }
        }
        return list;
    }

    /** {@code word} ('none', 'all') stands alone: with other values it is a usage error naming the option. */
    private static void alone(String option, String word, List<String> values) {
        if (values.contains(word)) {
            throw new UsageError(option + ": '" + word + "' cannot be combined with other values (" + String.join(",", values)
                    + ")", null);
        }
    }

    private static JmhSuite.Suite suite(String label) {
        try {
            return JmhSuite.Suite.of(label);
        } catch (IllegalArgumentException e) {
            throw new UsageError("--jmh-suites: " + e.getMessage(), e);
        }
    }
}
