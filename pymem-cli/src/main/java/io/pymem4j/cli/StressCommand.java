package io.pymem4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pymem4j.reliability.StressConfig;
import io.pymem4j.reliability.StressEngine;
import io.pymem4j.reliability.StressFailure;
import io.pymem4j.reliability.StressResult;
import io.pymem4j.runtime.PyMemRuntime;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code pymem stress}: the concurrent soak of an allocator stack, every block checked. */
@Command(name = "stress",
        description = {"Stresses an allocator stack from several threads, as mimalloc's test-stress does: rounds of"
                + " threads allocate blocks of random sizes in random domains, fill them with a pattern, hand a share"
                + " to other threads through a shared array, and check every block whole before it is freed.",
                "At the end the stack's own counts (pymalloc blocks, debug live blocks, traced bytes) must be back"
                        + " where they started. Exit status 1 when a check fails."})
final class StressCommand implements Callable<Integer> {

    /** The exit status of a failed check: the allocator is at fault, not the command line. */
    static final int EXIT_FAILED = 1;

    @Spec
    private CommandSpec spec;

    @Option(names = {"-t", "--threads"}, paramLabel = "T", defaultValue = "4",
            description = "Worker threads in each round. Default: ${DEFAULT-VALUE}.")
    private int threads;

    @Option(names = {"-s", "--seconds"}, paramLabel = "S", defaultValue = "10",
            description = "Run rounds for this long; a round in progress is cut at the deadline. Long rounds show"
                    + " their progress on stderr. Default: ${DEFAULT-VALUE}.")
    private long seconds;

    @Option(names = "--rounds", paramLabel = "N",
            description = "Run exactly N rounds instead of --seconds.")
    private Long rounds;

    @Option(names = {"-a", "--allocator"}, paramLabel = "NAME",
            description = "The allocator stack (see pymem list). Default: the pymem4j.malloc property, else the"
                    + " PYMEM4J_MALLOC environment variable, else 'default'.")
    private String allocator;

    @Option(names = "--gil", description = "GIL mode: MEM and OBJ calls are made holding the runtime's interpreter"
            + " lock, as CPython's threads hold the GIL.")
    private boolean gil;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
            description = "Seed of every random choice. Default: ${DEFAULT-VALUE}.")
    private long seed;

    @Option(names = "--json", description = "Print one JSON object on stdout instead of the text report.")
    private boolean json;

    @Override
    public Integer call() {
        if (threads < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--threads must be 1 or more, not " + threads);
        }
        if (rounds == null && seconds < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--seconds must be 1 or more, not " + seconds);
        }
        if (rounds != null && rounds < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--rounds must be 1 or more, not " + rounds);
        }
        String name = allocator != null ? allocator : PyMemRuntime.configuredAllocator();
        PyMemRuntime runtime = PyMemRuntime.builder().allocator(name).gil(gil).build();
        StressConfig config = rounds != null ? StressConfig.rounds(threads, rounds, seed)
                : StressConfig.timed(threads, seconds, seed);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        StressResult r;
        try {
            r = StressEngine.run(runtime, config, line -> {
                err.println("pymem: stress: " + line);
                err.flush();
            });
        } catch (StressFailure e) {
            err.println("pymem: stress of " + runtime.currentAllocatorName() + " FAILED: " + e.getMessage());
            err.flush();
            return EXIT_FAILED;
        }
        if (json) {
            out.println(toJson(r));
        } else {
            printReport(out, r);
        }
        out.flush();
        if (!r.leakFree()) {
            err.println("pymem: stress of " + r.allocator() + " FAILED: blocks left over: " + r.leaks());
            err.flush();
            return EXIT_FAILED;
        }
        return 0;
    }

    private void printReport(PrintWriter out, StressResult r) {
        double seconds = r.nanos() / 1e9;
        Table t = new Table("", "");
        t.row("allocator", r.allocator() + (gil ? " (GIL mode)" : ""));
        t.row("threads", r.threads() + " a round, new threads each round");
        t.row("rounds", grouped(r.rounds()) + " in " + String.format(Locale.ROOT, "%.1f", seconds) + " s (seed " + seed + ")");
        t.row("allocations", grouped(r.allocations()) + " (" + grouped(r.callocs()) + " calloc, "
                + grouped(r.reallocs()) + " realloc of a live block)");
        t.row("frees", grouped(r.frees()) + ", " + grouped(r.crossThreadFrees()) + " by another thread than the"
                + " allocating one");
        t.row("hand-overs", grouped(r.transfers()) + " blocks put in the shared array");
        t.row("blocks checked", grouped(r.blocksChecked()));
        t.row("bytes checked", grouped(r.bytesChecked()) + String.format(Locale.ROOT, " (%.2f GiB)",
                r.bytesChecked() / (double) (1L << 30)));
        t.row("ops/s", grouped(Math.round((r.allocations() + r.frees()) / seconds)));
        t.row("leaks", r.leakFree() ? "none: the stack's counts are back where they started" : r.leaks());
        t.row("result", r.leakFree() ? "OK" : "FAILED");
        t.print(out, "");
    }

    private static String grouped(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    private String toJson(StressResult r) {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("allocator", r.allocator());
        o.put("gil", gil);
        o.put("seed", seed);
        o.put("threads", r.threads());
        o.put("rounds", r.rounds());
        o.put("seconds", Math.round(r.nanos() / 1e6) / 1e3);
        o.put("allocations", r.allocations());
        o.put("callocs", r.callocs());
        o.put("reallocs", r.reallocs());
        o.put("frees", r.frees());
        o.put("cross_thread_frees", r.crossThreadFrees());
        o.put("transfers", r.transfers());
        o.put("blocks_checked", r.blocksChecked());
        o.put("bytes_checked", r.bytesChecked());
        o.put("leaks", r.leaks());
        o.put("ok", r.leakFree());
        return o.toString();
    }
}
