package io.pymem4j.cli;

import io.pymem4j.api.InterpreterLock;
import io.pymem4j.api.NativeMemory;
import io.pymem4j.debug.DebugConfig;
import io.pymem4j.debug.DebugHook;
import io.pymem4j.debug.MemoryCorruptionError;
import io.pymem4j.runtime.PyMemRuntime;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code pymem demo KIND}: one memory fault made on purpose, as CPython's {@code _testcapi}
 * helpers make them, for the debug layer to report as a user's program would see it.
 *
 * <p>What follows the report is the debug layer's policy ({@code debug.policy}, or
 * {@code --policy}): under {@code throw} the {@link MemoryCorruptionError} ends the program
 * as an uncaught error would (its report and the stack on stderr, exit status
 * {@value #EXIT_THROWN}, the JVM's for an uncaught exception); under {@code abort} the layer
 * prints the report and the current thread's stack and halts the JVM with
 * {@value DebugHook#ABORT_STATUS}, as a C program killed by SIGABRT exits; under {@code log}
 * the report is logged at ERROR, the program goes on and exits 0.
 */
@Command(name = "demo",
        description = {"Makes one memory fault on purpose through an allocator stack with the debug layer, as CPython's"
                + " _testcapi helpers do, and lets the layer report it on stderr.",
                "Exit status: 1 under debug.policy=throw (the error ends the program), 134 under abort (the JVM halts,"
                        + " as on SIGABRT), 0 under log (the program goes on)."})
final class DemoCommand implements Callable<Integer> {

    /** The exit status of a program ended by an uncaught exception, as the JVM sets it. */
    static final int EXIT_THROWN = 1;
    /** The block size of CPython's helpers. */
    private static final int SIZE = 16;
    /** Quarantine for {@code use-after-free} when none (or one too small for the block) is configured. */
    private static final String DEMO_QUARANTINE = "64k";

    /** The faults, with what each does in CPython's C API terms. */
    enum Kind {
        BUFFER_OVERFLOW("buffer-overflow", "PyMem_Malloc(16), write 'x' at p[16], PyMem_Free(p)"
                + " (_testcapi.pymem_buffer_overflow)"),
        BUFFER_UNDERFLOW("buffer-underflow", "PyMem_Malloc(16), write 'x' at p[-1], PyMem_Free(p)"),
        API_MISUSE("api-misuse", "PyMem_Malloc(16), PyMem_RawFree(p) (_testcapi.pymem_api_misuse)"),
        DOUBLE_FREE("double-free", "PyMem_Malloc(16), PyMem_Free(p), PyMem_Free(p)"),
        USE_AFTER_FREE("use-after-free", "PyMem_Malloc(16), PyMem_Free(p) into the quarantine, write 'x' at p[0],"
                + " then the block leaves the quarantine"),
        NO_GIL("no-gil", "PyMem_Malloc(16) from a thread that does not hold the GIL"
                + " (_testcapi.pymem_malloc_without_gil)");

        final String label;
        final String what;

        Kind(String label, String what) {
            this.label = label;
            this.what = what;
        }

        static Kind of(String label) {
            for (Kind k : values()) {
                if (k.label.equals(label.strip().toLowerCase(Locale.ROOT))) {
                    return k;
                }
            }
            throw new CommandLine.TypeConversionException("unknown demo '" + label + "'; the demos are: " + labels());
        }

        static String labels() {
            return String.join(", ", Arrays.stream(values()).map(k -> k.label).toList());
        }
    }

    /** The labels, for picocli's help and completion. */
    static final class Labels implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Arrays.stream(Kind.values()).map(k -> k.label).iterator();
        }
    }

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "KIND", converter = KindConverter.class, completionCandidates = Labels.class,
            description = "The fault: ${COMPLETION-CANDIDATES}.")
    private Kind kind;

    @Option(names = {"-a", "--allocator"}, paramLabel = "NAME",
            description = "A stack with the debug layer: debug, pymalloc_debug, malloc_debug, X+debug. Default: the"
                    + " pymem4j.malloc property, else the PYMEM4J_MALLOC environment variable, else 'debug'.")
    private String allocator;

    @Option(names = "--policy", paramLabel = "POLICY",
            description = "What the debug layer does after its report: throw, abort or log. Default: the"
                    + " pymem4j.debug.policy property, else PYMEM4J_DEBUG_POLICY, else throw.")
    private String policy;

    static final class KindConverter implements CommandLine.ITypeConverter<Kind> {
        @Override
        public Kind convert(String value) {
            return Kind.of(value);
        }
    }

    @Override
    public Integer call() {
        String configured = PyMemRuntime.configuredAllocator();
        String name = allocator != null ? allocator : configured.isEmpty() ? "debug" : configured;
        PyMemRuntime runtime = runtime(name, null);
        DebugHook hook = DebugHook.of(runtime).orElse(null);
        if (hook == null) {
            throw new UsageError("demo " + kind.label + ": the stack '" + runtime.currentAllocatorName()
                    + "' has no debug layer to report the fault; use debug, pymalloc_debug, malloc_debug or NAME+debug",
                    null);
        }
        // The freed block must stay in quarantine: written after it reached the backend, it would corrupt it.
        if (kind == Kind.USE_AFTER_FREE && hook.config().quarantineBytes() < SIZE + hook.layout().extraBytes()) {
            runtime = runtime(name, DEMO_QUARANTINE);
            hook = DebugHook.of(runtime).orElseThrow();
        }

        PrintWriter out = spec.commandLine().getOut();
        out.println("pymem demo " + kind.label + " on " + runtime.currentAllocatorName()
                + (runtime.gilMode() ? " (GIL mode)" : "") + ", debug.policy=" + hook.config().policy().optionValue()
                + ": " + kind.what);
        // Under abort nothing runs after the report: what was said must be out first.
        out.flush();
        try {
            fault(runtime, hook);
        } catch (MemoryCorruptionError e) {
            printUncaught(spec.commandLine().getErr(), e);
            return EXIT_THROWN;
        }
        out.println("pymem demo " + kind.label + ": the program went on after the report (debug.policy="
                + hook.config().policy().optionValue() + ")");
        out.flush();
        return 0;
    }

    private PyMemRuntime runtime(String name, String quarantine) {
        PyMemRuntime.Builder b = PyMemRuntime.builder().allocator(name).gil(kind == Kind.NO_GIL);
        if (policy != null) {
            b.option(DebugConfig.POLICY, policy, "the command line option --policy");
        }
        if (quarantine != null) {
            b.option(DebugConfig.QUARANTINE_BYTES, quarantine);
        }
        return b.build();
    }

    /** The fault itself; every call but the faulty one is made as a correct program makes it. */
    private void fault(PyMemRuntime rt, DebugHook hook) {
        switch (kind) {
            case BUFFER_OVERFLOW -> {
                long p = rt.memMalloc(SIZE);
                NativeMemory.putByte(p + SIZE, (byte) 'x');
                rt.memFree(p);
            }
            case BUFFER_UNDERFLOW -> {
                long p = rt.memMalloc(SIZE);
                NativeMemory.putByte(p - 1, (byte) 'x');
                rt.memFree(p);
            }
            case API_MISUSE -> {
                long p = rt.memMalloc(SIZE);
                rt.rawFree(p);
            }
            case DOUBLE_FREE -> {
                long p = rt.memMalloc(SIZE);
                rt.memFree(p);
                rt.memFree(p);
            }
            case USE_AFTER_FREE -> {
                long p = rt.memMalloc(SIZE);
                rt.memFree(p);
                // Still the layer's memory: the quarantine keeps it from the backend.
                NativeMemory.putByte(p, (byte) 'x');
                hook.flushQuarantine();
            }
            case NO_GIL -> {
                InterpreterLock gil = rt.interpreterLock();
                long p = rt.memMalloc(SIZE);
                // Reached under log only: free it as a correct caller would, holding the lock.
                try (var _ = gil.hold()) {
                    rt.memFree(p);
                }
            }
        }
    }

    /**
     * What the JVM prints for an uncaught error, down to the frame that made the fault: the
     * layer's report is the error's message.
     */
    private static void printUncaught(PrintWriter err, MemoryCorruptionError e) {
        err.print("Exception in thread \"" + Thread.currentThread().getName() + "\" ");
        err.println(e);
        for (StackTraceElement frame : e.getStackTrace()) {
            err.println("\tat " + frame);
            if (frame.getClassName().equals(DemoCommand.class.getName())) {
                break;
            }
        }
        err.flush();
    }
}
