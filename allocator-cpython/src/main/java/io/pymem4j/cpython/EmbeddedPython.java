package io.pymem4j.cpython;

import io.pymem4j.api.InterpreterLock;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.debug.DebugHook;
import io.pymem4j.debug.MemoryCorruptionError;
import io.pymem4j.runtime.PyMemRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The system's CPython, loaded into this JVM, running a Python command line with every
 * block of its three domains allocated through a pymem4j runtime. See the package
 * documentation for the start-up sequence.
 *
 * <pre>{@code
 * EmbeddedPython python = EmbeddedPython.load(PythonLibrary.locate());
 * PyMemRuntime runtime = PyMemRuntime.builder().allocator("pymalloc_debug")
 *         .gil(python.interpreterLock()).build();
 * int status = python.run(runtime, List.of("-m", "test", "test_json"), 0,
 *         run -> System.err.println(run.calls(PyMemAllocatorDomain.OBJ)));
 * }</pre>
 *
 * One interpreter per process: CPython's finalization does not free everything, and a
 * second initialization in the same process is not something its test suite exercises, so
 * {@link #run} may be called once. Run each command in its own JVM
 * ({@link PythonJvm#javaProcess}, {@link PythonMain}).
 *
 * @since 0.1
 */
public final class EmbeddedPython {

    /**
     * The option that turns the signal-chaining check off: {@code cpython.libjsig.check=false}
     * runs CPython in a JVM without {@code libjsig.so}, which is safe only for code that never
     * enables {@code faulthandler} (see {@link PythonJvm}).
     */
    public static final String LIBJSIG_CHECK_OPTION = "cpython.libjsig.check";
    /**
     * The stack of the thread that runs the interpreter: CPython's main thread has the
     * process's 8 MiB; this one also carries the JVM frames of every upcall.
     */
    static final long MAIN_THREAD_STACK_BYTES = 16L << 20;

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPython.class);
    private static final AtomicBoolean RAN = new AtomicBoolean();
    /** Generous for {@code PyPreConfig} (40 bytes in 3.8 to 3.13) and {@code PyConfig} (under 1 KiB). */
    private static final long PRECONFIG_BYTES = 1024;
    private static final long CONFIG_BYTES = 16 * 1024;
    private static final String FATAL_PREFIX = "Fatal Python error: ";
    /** {@code METH_NOARGS}. */
    private static final int METH_NOARGS = 0x0004;
    /** How many allocation sites the tracemalloc report keeps. */
    static final int TOP_SITES = 10;
    /** Runs in the interpreter's last atexit callback, in a dict of its own: leaves {@code result}. */
    private static final String TRACEMALLOC_REPORT = """
            import tracemalloc
            result = ''
            if tracemalloc.is_tracing():
                current, peak = tracemalloc.get_traced_memory()
                lines = ['%d %d' % (current, peak)]
                for stat in tracemalloc.take_snapshot().statistics('lineno')[:LIMIT]:
                    frame = stat.traceback[0]
                    lines.append('%d %d %d %s' % (stat.size, stat.count, frame.lineno, frame.filename))
                result = '\\n'.join(lines)
            """.replace("LIMIT", Integer.toString(TOP_SITES));

    private final LibPython py;
    private final CPythonGil gil;
    // Set by the atexit upcall on the interpreter's main thread, read after it was joined.
    private volatile TracemallocReport tracemallocReport;

    private EmbeddedPython(LibPython py) {
        this.py = py;
        this.gil = new CPythonGil(py);
    }

    /**
     * Loads {@code library} (once per process, {@code RTLD_GLOBAL}) and binds the C API this
     * class calls.
     *
     * @throws PythonNotFoundException when it cannot be opened or is not a usable CPython
     */
    public static EmbeddedPython load(PythonLibrary library) {
        return new EmbeddedPython(LibPython.load(Objects.requireNonNull(library, "library")));
    }

    public PythonLibrary library() {
        return py.library;
    }

    /** CPython's version, the first word of {@code Py_GetVersion()}: {@code 3.11.2}. */
    public String version() {
        try {
            String v = LibPython.string((MemorySegment) py.getVersion.invokeExact());
            return v == null ? "" : v.split("\\s", 2)[0];
        } catch (Throwable t) {
            throw LibPython.rethrow(t);
        }
    }

    /** CPython's GIL, for {@code PyMemRuntime.builder().gil(...)}; see {@link CPythonGil}. */
    public InterpreterLock interpreterLock() {
        return gil;
    }

    /**
     * Runs {@code python3 ARGS} to its end on {@code runtime}'s allocators, on a thread of
     * its own that becomes the interpreter's main thread, and returns its exit status.
     *
     * <h4>The figures, and why they come through a callback</h4>
     * {@code whenFinalized} gets the allocator figures once the interpreter is finalized
     * ({@code Py_AtExit}), on the interpreter's thread, before {@code run} returns. A
     * {@code SystemExit} that ends {@code -c CODE} or a script does not return: CPython calls
     * {@code Py_Exit}, which finalizes and ends the process with C's {@code exit(status)}, as
     * {@code python3} does; the callback is the last Java code to run then. When the
     * interpreter never started (a usage error, {@code --version}), it is called when
     * {@code run} returns. It is called once, and what it throws is logged.
     *
     * @param runtime           the allocators; in GIL mode only with {@link #interpreterLock()}
     * @param args              the command line after the program name ({@code -c CODE}, {@code -m MOD}, a script ...)
     * @param tracemallocFrames above 0: CPython's own tracemalloc traces with that many frames
     *                          ({@code -X tracemalloc=N}) and the figures have its report
     * @param whenFinalized     receives the figures
     * @throws IllegalStateException          on a second run in this process, a runtime in GIL mode
     *                                        with another lock, or a JVM without signal chaining
     * @throws PythonInitializationException  when CPython's initialization fails
     */
    public int run(PyMemRuntime runtime, List<String> args, int tracemallocFrames, Consumer<PythonRun> whenFinalized) {
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(whenFinalized, "whenFinalized");
        List<String> argv = argv(args, tracemallocFrames);
        if (runtime.gilMode() && runtime.interpreterLock() != gil) {
            throw new IllegalStateException("the runtime is in GIL mode with " + runtime.interpreterLock()
                    + ", not CPython's GIL: build it with gil(python.interpreterLock())");
        }
        if (!PythonJvm.signalChainingActive() && !"false".equalsIgnoreCase(runtime.option(LIBJSIG_CHECK_OPTION))) {
            throw new IllegalStateException("this JVM was started without the JDK's signal-chaining library: CPython's"
                    + " faulthandler would take the JVM's SIGSEGV handler and the JVM would die at its next safepoint"
                    + " poll. Start it with LD_PRELOAD=" + PythonJvm.libjsig() + " (PythonJvm.javaProcess does), or set "
                    + LIBJSIG_CHECK_OPTION + "=false for code that never enables faulthandler");
        }
        if (!RAN.compareAndSet(false, true)) {
            throw new IllegalStateException("CPython already ran in this process; run each command in a JVM of its own");
        }
        if (System.getenv("PYTHONMALLOC") != null) {
            log.warn("PYTHONMALLOC={} is ignored: the pymem4j stack {} serves every domain", System.getenv("PYTHONMALLOC"),
                    runtime.currentAllocatorName());
        }
        if (!runtime.gilMode()) {
            // CPython's debug hooks check PyGILState_Check() on MEM and OBJ whatever the allocator
            // below them; so do the stack's, before any thread of the interpreter exists.
            DebugHook.of(runtime).ifPresent(hook -> hook.checkInterpreterLock(gil));
        }
        AllocatorBridge bridge = new AllocatorBridge(runtime, this::fatal);
        Finalized finalized = new Finalized(runtime, bridge, whenFinalized);
        int[] status = new int[1];
        Throwable[] failure = new Throwable[1];
        Thread main = Thread.ofPlatform().name("python-main").stackSize(MAIN_THREAD_STACK_BYTES).unstarted(() -> {
            try {
                status[0] = runOnThisThread(bridge, argv, tracemallocFrames, finalized);
            } catch (Throwable t) {
                failure[0] = t;
            }
        });
        main.start();
        joinUninterruptibly(main);
        if (failure[0] instanceof RuntimeException r) {
            throw r;
        }
        if (failure[0] instanceof Error e) {
            throw e;
        }
        finalized.run();
        return status[0];
    }

    /** The figures of a run, handed to the caller's callback once. */
    private final class Finalized implements Runnable {
        private final PyMemRuntime runtime;
        private final AllocatorBridge bridge;
        private final Consumer<PythonRun> callback;
        private final AtomicBoolean done = new AtomicBoolean();

        Finalized(PyMemRuntime runtime, AllocatorBridge bridge, Consumer<PythonRun> callback) {
            this.runtime = runtime;
            this.bridge = bridge;
            this.callback = callback;
        }

        @Override
        public void run() {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            try {
                Map<PyMemAllocatorDomain, DomainCalls> calls = new EnumMap<>(PyMemAllocatorDomain.class);
                for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
                    calls.put(d, bridge.calls(d));
                }
                callback.accept(new PythonRun(runtime.currentAllocatorName(), runtime.gilMode(), version(),
                        py.library.library(), calls, bridge.peakBytes(), bridge.liveBytes(), bridge.failures(),
                        Optional.ofNullable(tracemallocReport)));
            } catch (Throwable t) {
                try {
                    log.error("the whenFinalized callback threw", t);
                } catch (Throwable ignored) {
                    // In an upcall nothing may escape.
                }
            }
        }

        /** The {@code Py_AtExit} function: no arguments, no result. */
        void atExit() {
            run();
        }
    }

    /** argv[0] is the installation's interpreter, so CPython computes its prefix and sys.executable from it. */
    private List<String> argv(List<String> args, int tracemallocFrames) {
        if (tracemallocFrames < 0 || tracemallocFrames > 65535) {
            throw new IllegalArgumentException("tracemalloc frames must be in range [0; 65535], not " + tracemallocFrames);
        }
        List<String> argv = new ArrayList<>();
        argv.add(py.library.executable().toString());
        if (tracemallocFrames > 0) {
            argv.add("-X");
            argv.add("tracemalloc=" + tracemallocFrames);
        }
        argv.addAll(args);
        return argv;
    }

    /**
     * Pre-initialization, the allocators, initialization, the program, finalization: all on
     * the calling thread, which becomes the interpreter's main thread.
     */
    private int runOnThisThread(AllocatorBridge bridge, List<String> args, int tracemallocFrames, Finalized finalized)
            throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment argv = arena.allocate(ADDRESS, args.size() + 1L);
            for (int i = 0; i < args.size(); i++) {
                argv.setAtIndex(ADDRESS, i, arena.allocateFrom(args.get(i)));
            }
            long argc = args.size();

            // The JVM set every locale category from the environment; python3 starts in "C" and
            // takes LC_CTYPE alone from it (in the pre-initialization below). Give CPython python3's:
            // LC_NUMERIC, LC_TIME ... as python3 has them (CPython's tests compare them).
            MemorySegment _ = (MemorySegment) py.setlocale.invokeExact(LibPython.LC_ALL, arena.allocateFrom("C"));

            // Pre-initialization: the RAW allocator CPython uses meanwhile is its own, and
            // nothing allocated then outlives it.
            MemorySegment preconfig = arena.allocate(PRECONFIG_BYTES);
            py.preConfigInitPythonConfig.invokeExact(preconfig);
            MemorySegment s = (MemorySegment) py.preInitializeFromBytesArgs.invokeExact((SegmentAllocator) arena,
                    preconfig, argc, argv);
            Integer exit = check(s);
            if (exit != null) {
                return exit;
            }

            // PyMem_SetAllocator is allowed from here until Py_InitializeFromConfig: every
            // block the interpreter will make or free goes through the runtime.
            install(bridge, arena);

            MemorySegment config = arena.allocate(CONFIG_BYTES);
            py.configInitPythonConfig.invokeExact(config);
            try {
                s = (MemorySegment) py.configSetBytesArgv.invokeExact((SegmentAllocator) arena, config, argc, argv);
                exit = check(s);
                if (exit != null) {
                    return exit;
                }
                s = (MemorySegment) py.initializeFromConfig.invokeExact((SegmentAllocator) arena, config);
                exit = check(s);
                if (exit != null) {
                    return exit;
                }
            } finally {
                py.configClear.invokeExact(config);
            }
            if (tracemallocFrames > 0) {
                registerTracemallocReport(tracemallocFrames);
            }
            MemorySegment atExit = Linker.nativeLinker().upcallStub(MethodHandles.lookup().findVirtual(Finalized.class,
                    "atExit", MethodType.methodType(void.class)).bindTo(finalized), FunctionDescriptor.ofVoid(), Arena.global());
            if ((int) py.atExit.invokeExact(atExit) != 0) {
                log.warn("Py_AtExit refused the figures' callback (its table is full); they come when run returns");
            }
            // Runs the program, calls the atexit callbacks, finalizes the interpreter.
            return (int) py.runMain.invokeExact();
        }
    }

    /** Installs the bridge's three structs and checks that CPython took them. */
    private void install(AllocatorBridge bridge, Arena arena) throws Throwable {
        MemorySegment current = arena.allocate(AllocatorBridge.STRUCT_BYTES);
        for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
            int domain = AllocatorBridge.cpythonDomain(d);
            py.memSetAllocator.invokeExact(domain, bridge.struct(d));
            py.memGetAllocator.invokeExact(domain, current);
            if (current.get(JAVA_LONG, AllocatorBridge.MALLOC_OFFSET)
                    != bridge.struct(d).get(JAVA_LONG, AllocatorBridge.MALLOC_OFFSET)) {
                throw new IllegalStateException("CPython did not take the " + d + " allocator (PyMem_GetAllocator"
                        + " returns another one after PyMem_SetAllocator)");
            }
        }
    }

    /** Null for a PyStatus that is OK, the exit code for an exit, and throws for an error. */
    private static Integer check(MemorySegment status) {
        int type = status.get(JAVA_INT, LibPython.PY_STATUS.byteOffset(groupElement("_type")));
        if (type == LibPython.STATUS_OK) {
            return null;
        }
        if (type == LibPython.STATUS_EXIT) {
            return status.get(JAVA_INT, LibPython.PY_STATUS.byteOffset(groupElement("exitcode")));
        }
        String func = cString(status.get(ADDRESS, LibPython.PY_STATUS.byteOffset(groupElement("func"))));
        String message = cString(status.get(ADDRESS, LibPython.PY_STATUS.byteOffset(groupElement("err_msg"))));
        throw new PythonInitializationException(FATAL_PREFIX + (func == null ? "" : func + ": ") + message);
    }

    private static String cString(MemorySegment p) {
        return p.address() == 0 ? null : p.reinterpret(Long.MAX_VALUE).getString(0);
    }

    // ---------------------------------------------------------------- tracemalloc's report

    /**
     * Registers a C function (an upcall stub) with {@code atexit.register}: being the first
     * registered, it runs last, after the program's own callbacks, while tracemalloc still
     * traces. It stores the report in {@link #tracemallocReport}.
     */
    private void registerTracemallocReport(int frames) throws Throwable {
        Arena global = Arena.global();
        MemorySegment stub = Linker.nativeLinker().upcallStub(MethodHandles.insertArguments(MethodHandles.lookup()
                        .findVirtual(EmbeddedPython.class, "atExit", MethodType.methodType(long.class, int.class, long.class,
                                long.class)).bindTo(this), 0, frames),
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG), global);
        // PyMethodDef {ml_name, ml_meth, ml_flags, ml_doc}: must outlive the function object.
        MemorySegment def = global.allocate(4 * ADDRESS.byteSize(), ADDRESS.byteAlignment());
        def.set(ADDRESS, 0, global.allocateFrom("pymem4j_tracemalloc_report"));
        def.set(ADDRESS, ADDRESS.byteSize(), stub);
        def.set(JAVA_INT, 2 * ADDRESS.byteSize(), METH_NOARGS);
        def.set(ADDRESS, 3 * ADDRESS.byteSize(), MemorySegment.NULL);
        long function = (long) py.cFunctionNewEx.invokeExact(def, 0L, 0L);
        long atexit = (long) py.importModule.invokeExact(global.allocateFrom("atexit"));
        long register = atexit == 0 ? 0 : (long) py.getAttrString.invokeExact(atexit, global.allocateFrom("register"));
        long result = function == 0 || register == 0 ? 0 : (long) py.callOneArg.invokeExact(register, function);
        if (result == 0) {
            py.errClear.invokeExact();
            log.warn("could not register the tracemalloc report with atexit; the run will have none");
        }
        for (long o : new long[]{result, register, atexit, function}) {
            if (o != 0) {
                py.decRef.invokeExact(o);
            }
        }
    }

    /** The atexit callback: a C function returning a new reference to None, that never throws. */
    private long atExit(int frames, long self, long unused) {
        try {
            tracemallocReport = readTracemallocReport(frames);
        } catch (Throwable t) {
            try {
                log.warn("the tracemalloc report failed", t);
            } catch (Throwable ignored) {
                // Nothing more to do: the run goes on without the report.
            }
        }
        try {
            py.incRef.invokeExact(py.none);
        } catch (Throwable ignored) {
            // Py_IncRef does not fail.
        }
        return py.none;
    }

    private TracemallocReport readTracemallocReport(int frames) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            long globals = (long) py.dictNew.invokeExact();
            if (globals == 0) {
                py.errClear.invokeExact();
                return null;
            }
            try {
                long builtins = (long) py.evalGetBuiltins.invokeExact();
                int _ = (int) py.dictSetItemString.invokeExact(globals, arena.allocateFrom("__builtins__"), builtins);
                long r = (long) py.runString.invokeExact(arena.allocateFrom(TRACEMALLOC_REPORT), LibPython.PY_FILE_INPUT,
                        globals, globals);
                if (r == 0) {
                    py.errClear.invokeExact();
                    log.warn("the tracemalloc report's code failed");
                    return null;
                }
                py.decRef.invokeExact(r);
                long text = (long) py.dictGetItemString.invokeExact(globals, arena.allocateFrom("result"));
                String report = text == 0 ? null : LibPython.string((MemorySegment) py.unicodeAsUtf8.invokeExact(text));
                return report == null || report.isEmpty() ? null : parse(frames, report);
            } finally {
                py.decRef.invokeExact(globals);
            }
        }
    }

    /** "current peak", then one "size count lineno filename" line per site. */
    static TracemallocReport parse(int frames, String report) {
        List<String> lines = report.lines().toList();
        String[] totals = lines.get(0).split(" ");
        List<AllocationSite> sites = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(" ", 4);
            sites.add(new AllocationSite(f[3], Integer.parseInt(f[2]), Long.parseLong(f[0]), Long.parseLong(f[1])));
        }
        return new TracemallocReport(frames, Long.parseLong(totals[0]), Long.parseLong(totals[1]), sites);
    }

    // ---------------------------------------------------------------- debug reports

    /**
     * A debug report raised in an upcall: its dump goes to stderr, then its {@code Fatal Python
     * error} line is CPython's own {@code _Py_FatalErrorFunc}, which adds the runtime state,
     * the Python tracebacks of the threads and the extension modules, and aborts: the output
     * and the exit status (SIGABRT) of {@code PYTHONMALLOC=debug}.
     */
    private void fatal(MemoryCorruptionError error) {
        String report = error.report();
        String line = error.fatalError();
        int at = report.lastIndexOf(line);
        System.err.print(at >= 0 ? report.substring(0, at) : report);
        System.err.flush();
        String rest = line.startsWith(FATAL_PREFIX) ? line.substring(FATAL_PREFIX.length()) : line;
        int colon = rest.indexOf(": ");
        String function = colon > 0 ? rest.substring(0, colon) : "pymem4j";
        String message = colon > 0 ? rest.substring(colon + 2) : rest;
        try (Arena arena = Arena.ofConfined()) {
            py.fatalErrorFunc.invokeExact(arena.allocateFrom(function), arena.allocateFrom(message));
        } catch (Throwable t) {
            // _Py_FatalErrorFunc does not return; should it ever, end as it would have.
        }
        Runtime.getRuntime().halt(134);
    }

    private static void joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                // The interpreter cannot be stopped from Java: wait for it, then restore the flag.
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
