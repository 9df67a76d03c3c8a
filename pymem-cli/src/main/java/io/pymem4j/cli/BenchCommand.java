package io.pymem4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code pymem bench}'s options: every stack against the Java peers and the C allocators, in
 * one session of allocator-bench's {@code BenchSession}, into a results folder. See
 * allocator-bench's package doc for the suites.
 *
 * <p>allocator-bench (with JMH, Netty, LWJGL and XChart) is not on {@code pymem replay}'s class
 * path: {@code bin/pymem} adds it for {@code bench} only. So this class names none of its
 * types (picocli reflects over it for every command); {@link BenchLauncher} does, loaded once
 * the module is known present, and without it {@code pymem bench} is a usage error.
 */
@Command(name = "bench",
        description = {"Benchmarks the allocator stacks against the Java peers and the C allocators, in one session:",
                "the trace replays (each target in its own JVM; the C anchors through ../shared/tools/pymtrace's replay bench)",
                "and the JMH suites. Writes results.md, replay.png, jmh-pair.png, replay.json, jmh.json and jmh.log into"
                        + " the results folder; progress goes to stderr."})
final class BenchCommand implements Callable<Integer> {

    /** allocator-bench's classes, named by string: this class must load when that module is absent. */
    private static final String SESSION = "io.pymem4j.bench.BenchSession";
    private static final String PEER = "io.pymem4j.bench.Peer";

    @Spec
    private CommandSpec spec;

    @Option(names = "--traces", split = ",", paramLabel = "TRACE",
            description = "Traces to replay: names in ../shared/traces (compile), .pymt files, 'bundled' or 'none'."
                    + " Default: every trace in ../shared/traces, else the bundled compile trace.")
    List<String> traces;

    @Option(names = "--stacks", split = ",", paramLabel = "STACK",
            description = "Stacks: a stack name, then ':option' runtime options (pymalloc:gil, pymalloc:tracemalloc=10),"
                    + " or 'none'. Default: ${DEFAULT-VALUE}.",
            defaultValue = "malloc,pymalloc,pymalloc:gil,pymalloc_debug,pymalloc:tracemalloc=1,pymalloc:tracemalloc=10")
    List<String> stacks;

    @Option(names = "--peers", split = ",", paramLabel = "PEER",
            description = "Java peers, 'all' or 'none'. Default: all (${COMPLETION-CANDIDATES}).",
            defaultValue = "all", completionCandidates = PeerNames.class)
    List<String> peers;

    @Option(names = {"-n", "--runs"}, paramLabel = "N", defaultValue = "5",
            description = "Timed replay runs of each target and trace (Java and C). Default: ${DEFAULT-VALUE}.")
    int runs;

    @Option(names = "--replay-forks", paramLabel = "N", defaultValue = "1",
            description = "Processes per target and trace (Java: a JVM each, C: a replayer run each), taken in turns;"
                    + " each figure is the median of their medians, steadier against one JVM's unlucky JIT."
                    + " Default: ${DEFAULT-VALUE}.")
    int replayForks;

    @Option(names = {"-w", "--warmup"}, paramLabel = "N|auto", defaultValue = "auto",
            converter = WarmupConverter.class, description = WarmupConverter.DESCRIPTION)
    int warmup;

    @Option(names = "--jmh", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Run the JMH suites (--no-jmh: the replays only). Default: on, short settings.")
    boolean jmh;

    @Option(names = "--jmh-suites", split = ",", paramLabel = "SUITE", defaultValue = "pair,mixed,realloc,two-thread",
            description = "JMH suites. Default: ${DEFAULT-VALUE}.")
    List<String> suites;

    @Option(names = "--long", description = "JMH's long settings for figures to publish (3 forks, 5+5 iterations of 1 s;"
            + " about 10x the default 1 fork, 3+3 iterations of 200 ms).")
    boolean longSettings;

    @Option(names = "--jmh-forks", paramLabel = "N",
            description = "JMH forks of each benchmark, instead of the settings' own (short 1, long 3).")
    Integer jmhForks;

    @Option(names = "--jmh-sizes", split = ",", paramLabel = "BYTES",
            description = "Block sizes of the pair and two-thread suites, instead of their own (pair 16,64,256,512,4096;"
                    + " two-thread 64), e.g. --jmh-sizes 64 --jmh-forks 3 for a steady 64-byte pair.")
    List<Integer> jmhSizes;

    @Option(names = "--c-anchors", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Replay each trace through the C replayer too (--no-c-anchors: skip). Default: on.")
    boolean cAnchors;

    @Option(names = "--replayer", paramLabel = "PATH",
            description = "The C replayer: the pymtrace directory or its replay executable. Default:"
                    + " ../shared/tools/pymtrace, built into the temp directory if it is not built.")
    Path replayer;

    @Option(names = "--out", paramLabel = "DIR",
            description = "The results folder. Default: bench-results/DATE-TIME.")
    Path out;

    /** Names of the peers, for the help text: allocator-bench's, or none when it is not on the class path. */
    static final class PeerNames extends ArrayList<String> {
        PeerNames() {
            super(peerLabels());
        }
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (runs < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--runs must be 1 or more, not " + runs);
        }
        if (replayForks < 1) {
            throw new UsageError("--replay-forks must be 1 or more, not " + replayForks, null);
        }
        if (!benchModulePresent()) {
            throw new UsageError("the bench command needs allocator-bench on the class path (" + SESSION + " is missing);"
                    + " run it through bin/pymem, which adds allocator-bench/target/lib", null);
        }
        return BenchLauncher.run(this);
    }

    /** The command as the report shows it. */
    String commandLine() {
        List<String> args = spec.commandLine().getParseResult().originalArgs();
        return "pymem " + String.join(" ", args);
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    private static boolean benchModulePresent() {
        try {
            Class.forName(SESSION, false, BenchCommand.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Peer.labels() by reflection: picocli builds this command's model even when allocator-bench is absent. */
    @SuppressWarnings("unchecked")
    private static List<String> peerLabels() {
        try {
            return (List<String>) Class.forName(PEER, true, BenchCommand.class.getClassLoader())
                    .getMethod("labels").invoke(null);
        } catch (ReflectiveOperationException | LinkageError e) {
            return List.of();
        }
    }
}
