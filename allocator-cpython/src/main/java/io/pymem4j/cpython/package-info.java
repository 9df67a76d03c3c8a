/**
 * The system's CPython, run in the JVM with every block of its RAW, MEM and OBJ domains
 * allocated through a pymem4j stack: the program these allocators were ported from, as
 * their test.
 *
 * <h2>Start-up ({@link io.pymem4j.cpython.EmbeddedPython#run})</h2>
 * CPython allows {@code PyMem_SetAllocator} between pre-initialization and initialization;
 * the embedding follows {@code Py_BytesMain} step by step with that call in the gap:
 * <pre>
 *   dlopen(libpython3.X.so, RTLD_NOW | RTLD_GLOBAL)         LibPython: extension modules bind to it
 *   thread "python-main" (16 MiB stack) ──────────────────── becomes the interpreter's main thread
 *     setlocale(LC_ALL, "C")                                python3's start: the JVM set every category
 *     PyPreConfig_InitPythonConfig(&amp;pre)                     allocator stays PYMEM_ALLOCATOR_NOT_SET
 *     Py_PreInitializeFromBytesArgs(&amp;pre, argc, argv)        -E, -I, -X utf8, -X dev; CPython's own RAW
 *                                                           allocator meanwhile, nothing it makes survives
 *     PyMem_SetAllocator(RAW | MEM | OBJ, &amp;bridge struct)    AllocatorBridge: upcall stubs into the runtime
 *     PyConfig_InitPythonConfig, PyConfig_SetBytesArgv,
 *     Py_InitializeFromConfig, PyConfig_Clear               every block from here on is the stack's
 *     [atexit.register(report)]                             --tracemalloc: CPython's tracer, read at exit
 *     Py_AtExit(figures)                                    the figures, once finalized
 *     Py_RunMain()                                          the program, atexit, Py_FinalizeEx
 * </pre>
 * {@code argv[0]} is the installation's interpreter ({@code /usr/bin/python3.11}), so CPython
 * computes {@code sys.prefix}, {@code sys.path} and {@code sys.executable} as that
 * interpreter does ({@link io.pymem4j.cpython.PythonLibrary}).
 *
 * <h2>What is CPython's and what is the stack's</h2>
 * <ul>
 *   <li>Every domain is the stack's: pymalloc here is the Java port serving CPython's
 *       objects, CPython's own obmalloc is never called ({@code sys._debugmallocstats()}
 *       prints only the free lists, {@code sys.getallocatedblocks()} is 0).</li>
 *   <li>GIL mode: a runtime built with {@link io.pymem4j.cpython.EmbeddedPython#interpreterLock()}
 *       uses CPython's GIL ({@code PyGILState_Check}, {@code PyGILState_Ensure}): pymalloc
 *       serves MEM and OBJ without a lock, as obmalloc does. In GIL mode or not, the debug
 *       layer's MEM and OBJ hooks check {@code PyGILState_Check()} as
 *       {@code _PyMem_DebugCheckGIL} does ({@code DebugHook.checkInterpreterLock}), so C code
 *       that allocates without the GIL ends as under {@code PYTHONMALLOC=debug}.</li>
 *   <li>The locale is the one {@code python3} starts with: the JVM set every category from
 *       the environment, {@code python3} only {@code LC_CTYPE}; every category is put back
 *       to {@code "C"} before CPython's pre-initialization sets {@code LC_CTYPE}.</li>
 *   <li>A debug report ends as CPython's: the dump, then {@code _Py_FatalErrorFunc} with its
 *       function and message, which prints the runtime state and the Python tracebacks and
 *       aborts. With {@code debug.serialno=false} (CPython's release build) the output is
 *       that of {@code PYTHONMALLOC=debug}, byte for byte but for the addresses, provided
 *       the logging configuration keeps the debug layer's report logger
 *       ({@code io.pymem4j.debug.report}, which logs each report first) off stderr.</li>
 *   <li>{@code --tracemalloc N} starts CPython's own tracemalloc ({@code -X tracemalloc=N})
 *       over the stack: its frames are Python's. The Java {@code tracemalloc} layer can be in
 *       the stack too; it traces the same blocks, with Java frames (the upcall).</li>
 * </ul>
 *
 * <h2>The JVM it runs in</h2>
 * One interpreter per process, in a JVM with the JDK's {@code libjsig.so} preloaded, so that
 * {@code faulthandler} does not take the JVM's SIGSEGV handler
 * ({@link io.pymem4j.cpython.PythonJvm}); {@link io.pymem4j.cpython.PythonMain} is the main
 * such a JVM runs. {@code os.fork()} without {@code exec} leaves a child with one thread of
 * a JVM that cannot run Java: only {@code subprocess} (fork and exec in C) is supported.
 */
package io.pymem4j.cpython;
