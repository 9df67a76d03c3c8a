package io.pymem4j.cpython;

import io.pymem4j.api.AllocatorSetupException;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.spi.BlockTracebacks;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * A JVM's main that runs one Python command line on a stack and exits with its status: what
 * {@link PythonJvm#javaProcess} starts, one interpreter per JVM.
 * <pre>
 *   PythonMain [--allocator NAME] [--gil] [--tracemalloc N] [--stats FILE] -- PYTHON-ARGS...
 * </pre>
 * {@code --stats FILE} writes the run's figures when the interpreter is finalized, as a
 * properties file (keys {@code stack}, {@code calls.DOMAIN.FUNCTION}, {@code peak.bytes},
 * {@code live.bytes}, {@code failed.calls}, {@code stack.tracing}, {@code tracemalloc.peak}, {@code tracemalloc.sites}).
 * Prints nothing of its own but a one-line error; the Python program's output is its own.
 *
 * @since 0.1
 */
public final class PythonMain {

    /** The exit status of a usage or set-up error, as CPython's for a bad command line. */
    static final int EXIT_USAGE = 2;

    private PythonMain() {
    }

    public static void main(String[] args) {
        String allocator = PyMemRuntime.configuredAllocator();
        boolean gil = false;
        int tracemalloc = 0;
        Path stats = null;
        int i = 0;
        try {
            for (; i < args.length && !args[i].equals("--"); i++) {
                switch (args[i]) {
                    case "--allocator" -> allocator = args[++i];
                    case "--gil" -> gil = true;
                    case "--tracemalloc" -> tracemalloc = Integer.parseInt(args[++i]);
                    case "--stats" -> stats = Path.of(args[++i]);
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
        } catch (RuntimeException e) {
            System.err.println("PythonMain: " + e.getMessage()
                    + "; usage: PythonMain [--allocator NAME] [--gil] [--tracemalloc N] [--stats FILE] -- PYTHON-ARGS...");
            System.exit(EXIT_USAGE);
        }
        List<String> python = new ArrayList<>(List.of(args).subList(Math.min(i + 1, args.length), args.length));
        int status;
        Path statsFile = stats;
        try {
            EmbeddedPython embedded = EmbeddedPython.load(PythonLibrary.locate());
            PyMemRuntime.Builder builder = PyMemRuntime.builder().allocator(allocator);
            if (gil) {
                builder.gil(embedded.interpreterLock());
            }
            PyMemRuntime runtime = builder.build();
            status = embedded.run(runtime, python, tracemalloc, run -> {
                if (statsFile != null) {
                    write(statsFile, run, runtime);
                }
            });
        } catch (PythonNotFoundException | AllocatorSetupException | PythonInitializationException e) {
            System.err.println("PythonMain: " + e.getMessage());
            System.exit(EXIT_USAGE);
            return;
        }
        System.exit(status);
    }

    private static void write(Path file, PythonRun run, PyMemRuntime runtime) {
        Properties p = new Properties();
        p.setProperty("stack", String.valueOf(run.stack()));
        p.setProperty("gil", Boolean.toString(run.gilMode()));
        p.setProperty("python.version", run.pythonVersion());
        p.setProperty("library", run.library().toString());
        for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
            DomainCalls c = run.calls(d);
            p.setProperty("calls." + d + ".malloc", Long.toString(c.malloc()));
            p.setProperty("calls." + d + ".calloc", Long.toString(c.calloc()));
            p.setProperty("calls." + d + ".realloc", Long.toString(c.realloc()));
            p.setProperty("calls." + d + ".free", Long.toString(c.free()));
        }
        p.setProperty("peak.bytes", Long.toString(run.peakBytes()));
        p.setProperty("live.bytes", Long.toString(run.liveBytes()));
        p.setProperty("failed.calls", Long.toString(run.failedCalls()));
        // A tracing layer of the stack (the Java tracemalloc), found through the SPI it implements.
        p.setProperty("stack.tracing", Boolean.toString(runtime.findHook(BlockTracebacks.class)
                .map(BlockTracebacks::tracing).orElse(false)));
        run.tracemalloc().ifPresent(t -> {
            p.setProperty("tracemalloc.peak", Long.toString(t.peak()));
            p.setProperty("tracemalloc.sites", Integer.toString(t.top().size()));
        });
        try (OutputStream out = Files.newOutputStream(file)) {
            p.store(out, "PythonMain run figures");
        } catch (IOException e) {
            System.err.println("PythonMain: cannot write " + file + ": " + e);
        }
    }
}
