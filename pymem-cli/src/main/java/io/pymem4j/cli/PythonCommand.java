package io.pymem4j.cli;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.cpython.AllocationSite;
import io.pymem4j.cpython.DomainCalls;
import io.pymem4j.cpython.EmbeddedPython;
import io.pymem4j.cpython.PythonInitializationException;
import io.pymem4j.cpython.PythonJvm;
import io.pymem4j.cpython.PythonLibrary;
import io.pymem4j.cpython.PythonNotFoundException;
import io.pymem4j.cpython.PythonRun;
import io.pymem4j.cpython.TracemallocReport;
import io.pymem4j.debug.DebugConfig;
import io.pymem4j.runtime.PyMemRuntime;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code pymem python}: runs a Python command line in the system's CPython with every block
 * of its three domains allocated through a pymem4j stack, then summarizes the allocators'
 * work on stderr.
 *
 * <p>CPython needs a JVM with the JDK's signal-chaining library preloaded (see
 * {@link PythonJvm}); when this one has none, the command runs itself again in one that has,
 * and exits with its status.
 */
@Command(name = "python",
        description = {"Runs python3 PYTHON-ARGS in the system's CPython (libpython3, loaded in the JVM) with its RAW, MEM"
                + " and OBJ allocators replaced by a pymem4j stack, and prints a summary of the allocator calls to stderr.",
                "The library is found through python3-config, ldconfig or /usr/lib; -Dpymem4j.cpython.library=PATH names it."},
        sortOptions = false)
final class PythonCommand implements Callable<Integer> {

    /** The exit status of a CPython that failed to initialize, as python3's. */
    static final int EXIT_INIT_FAILED = 1;

    @Spec
    private CommandSpec spec;

    @Option(names = {"-a", "--allocator"}, paramLabel = "NAME",
            description = "The allocator stack (see pymem list). Default: the pymem4j.malloc property, else the"
                    + " PYMEM4J_MALLOC environment variable, else 'default'.")
    private String allocator;

    @Option(names = "--tracemalloc", paramLabel = "N", defaultValue = "0",
            description = "Trace with CPython's tracemalloc, N frames a traceback (as PYTHONTRACEMALLOC=N), and list the"
                    + " top allocation sites at exit.")
    private int tracemalloc;

    @Option(names = "--gil", description = "GIL mode with CPython's own GIL: pymalloc takes no lock for MEM and OBJ, as"
            + " obmalloc. The debug layer checks PyGILState_Check() with or without it, as CPython's debug hooks do.")
    private boolean gil;

    @Parameters(paramLabel = "PYTHON-ARGS", arity = "0..*",
            description = "python3's command line, after --: -c CODE, -m MODULE, a script and its arguments.")
    private List<String> pythonArgs = new ArrayList<>();

    @Override
    public Integer call() {
        if (tracemalloc < 0 || tracemalloc > 65535) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--tracemalloc must be in range [0; 65535], not "
                    + tracemalloc);
        }
        String name = allocator != null ? allocator : PyMemRuntime.configuredAllocator();
        PythonLibrary library;
        try {
            library = PythonLibrary.locate();
        } catch (PythonNotFoundException e) {
            throw new UsageError(e.getMessage(), e);
        }
        if (!PythonJvm.signalChainingActive()) {
            // A bad stack name fails here, before a JVM is started for nothing.
            PyMemRuntime.builder().allocator(name).build();
            return inChildJvm();
        }
        EmbeddedPython python;
        try {
            python = EmbeddedPython.load(library);
        } catch (PythonNotFoundException e) {
            throw new UsageError(e.getMessage(), e);
        }
        PyMemRuntime.Builder builder = PyMemRuntime.builder().allocator(name);
        if (gil) {
            builder.gil(python.interpreterLock());
        }
        if (System.getProperty("pymem4j." + DebugConfig.SERIALNO) == null && System.getenv("PYMEM4J_DEBUG_SERIALNO") == null) {
            // CPython's release builds keep no serial number: the same block layout and report as PYTHONMALLOC=debug.
            builder.option(DebugConfig.SERIALNO, "false");
        }
        PyMemRuntime runtime = builder.build();
        PrintWriter err = spec.commandLine().getErr();
        try {
            // The summary is printed at finalization: a SystemExit in -c or a script ends the process from C then.
            return python.run(runtime, pythonArgs, tracemalloc, run -> {
                printSummary(err, run);
                err.flush();
            });
        } catch (PythonInitializationException e) {
            err.println(e.getMessage());
            err.flush();
            return EXIT_INIT_FAILED;
        }
    }

    /** This command again, in a JVM with signal chaining; its status is ours. */
    private int inChildJvm() {
        List<String> args = new ArrayList<>(List.of("python"));
        if (allocator != null) {
            args.addAll(List.of("--allocator", allocator));
        }
        if (tracemalloc > 0) {
            args.addAll(List.of("--tracemalloc", Integer.toString(tracemalloc)));
        }
        if (gil) {
            args.add("--gil");
        }
        args.add("--");
        args.addAll(pythonArgs);
        Process child;
        try {
            child = PythonJvm.javaProcess(Pymem.class.getName(), args).inheritIO().start();
        } catch (IOException e) {
            throw new UsageError("cannot start a JVM for CPython: " + e.getMessage(), e);
        }
        // Ctrl-C reaches both JVMs: let CPython handle it and finish before this one exits.
        Thread waiter = new Thread(() -> waitFor(child), "pymem-python-child");
        Runtime.getRuntime().addShutdownHook(waiter);
        int status = waitFor(child);
        Runtime.getRuntime().removeShutdownHook(waiter);
        return status;
    }

    private static int waitFor(Process child) {
        while (true) {
            try {
                return child.waitFor();
            } catch (InterruptedException e) {
                // Keep waiting: the child owns the terminal until it ends.
            }
        }
    }

    private static void printSummary(PrintWriter err, PythonRun run) {
        err.println();
        err.println("pymem python: " + run.stack() + (run.gilMode() ? " (GIL mode)" : "") + ", CPython " + run.pythonVersion()
                + " (" + run.library() + ")");
        Table calls = new Table("calls", "malloc", "calloc", "realloc", "free");
        for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
            DomainCalls c = run.calls(d);
            calls.row(d.name(), grouped(c.malloc()), grouped(c.calloc()), grouped(c.realloc()), grouped(c.free()));
        }
        calls.print(err, "  ");
        err.println("  peak bytes " + grouped(run.peakBytes()) + " (" + mib(run.peakBytes()) + "), " + grouped(run.liveBytes())
                + " live at exit" + (run.failedCalls() == 0 ? "" : "; " + grouped(run.failedCalls()) + " calls failed"));
        run.tracemalloc().ifPresent(t -> printTracemalloc(err, t));
    }

    private static void printTracemalloc(PrintWriter err, TracemallocReport t) {
        err.println("  tracemalloc (" + t.frames() + (t.frames() == 1 ? " frame" : " frames") + "): peak "
                + grouped(t.peak()) + " bytes (" + mib(t.peak()) + "), " + grouped(t.current()) + " at exit; top allocation sites:");
        Table sites = new Table("", "", "");
        for (AllocationSite s : t.top()) {
            sites.row(grouped(s.size()) + " B", grouped(s.count()) + (s.count() == 1 ? " block" : " blocks"),
                    s.filename() + ":" + s.lineno());
        }
        sites.print(err, "    ");
    }

    private static String grouped(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }
}
