package io.pymem4j.cpython;

import io.pymem4j.runtime.PyMemRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A real CPython on a pymem4j stack, each case in a JVM of its own. */
class CPythonBehaviourTest {

    /** One byte past the end of a 10-byte PyMem_Malloc block, written by a C function (memset) through ctypes. */
    static final String OVERFLOW = String.join("; ",
            "import ctypes",
            "m = ctypes.pythonapi.PyMem_Malloc",
            "m.restype = ctypes.c_void_p",
            "m.argtypes = [ctypes.c_size_t]",
            "f = ctypes.pythonapi.PyMem_Free",
            "f.argtypes = [ctypes.c_void_p]",
            "p = m(10)",
            "ctypes.memset(p, 0x78, 11)",
            "f(p)");
    /** PyMem_Malloc through ctypes.CDLL, which releases the GIL around the call. */
    static final String WITHOUT_GIL = "import ctypes; ctypes.CDLL(None).PyMem_Malloc(10)";
    static final int SIGABRT_STATUS = 134;

    @TempDir
    Path dir;

    @Test
    void aBufferOverflowInCCodeEndsWithTheReportOfPythonmallocDebug() throws Exception {
        PythonLibrary lib = ForkedPython.library();
        // CPython's release builds keep no serial number: the same layout as PYTHONMALLOC=debug.
        ForkedPython.Run run = ForkedPython.run(dir, List.of("-Dpymem4j.debug.serialno=false"), Map.of(),
                List.of("--allocator", "pymalloc_debug"), "-c", OVERFLOW);

        assertEquals(SIGABRT_STATUS, run.status(), run::toString);
        String err = run.err();
        assertTrue(err.contains("Debug memory block at address p=0x"), err);
        assertTrue(err.contains(": API 'm'\n    10 bytes originally requested\n"
                + "    The 7 pad bytes at p-7 are FORBIDDENBYTE, as expected.\n"), err);
        assertTrue(err.contains("        at tail+0: 0x78 *** OUCH\n        at tail+1: 0xfd\n"), err);
        assertTrue(err.contains("    Data at p: 78 78 78 78 78 78 78 78 78 78\n"), err);
        assertTrue(err.contains("Fatal Python error: _PyMem_DebugRawFree: bad trailing pad byte\n"
                + "Python runtime state: initialized\n"), err);
        assertTrue(err.contains("(most recent call first):\n  File \"<string>\", line 1 in <module>\n"), err);
        if (Files.isExecutable(lib.executable())) {
            assertEquals(normalized(pythonmallocDebug(lib, OVERFLOW)), normalized(err),
                    "the report of " + lib.executable() + " with PYTHONMALLOC=debug");
        }
    }

    @Test
    void inGilModeAnAllocationWithoutCPythonsGilIsReportedAsCPythonReportsIt() throws Exception {
        PythonLibrary lib = ForkedPython.library();
        ForkedPython.Run run = ForkedPython.run(dir, List.of("--allocator", "pymalloc_debug", "--gil"), "-c", WITHOUT_GIL);

        assertEquals(SIGABRT_STATUS, run.status(), run::toString);
        assertTrue(run.err().startsWith("Fatal Python error: _PyMem_DebugMalloc: Python memory allocator called without"
                + " holding the GIL\nPython runtime state: initialized\n"), run::toString);
        if (Files.isExecutable(lib.executable())) {
            assertEquals(normalized(pythonmallocDebug(lib, WITHOUT_GIL)), normalized(run.err()),
                    "the report of " + lib.executable() + " with PYTHONMALLOC=debug");
        }
    }

    @Test
    void extensionModulesFindLibpythonsSymbols() throws Exception {
        ForkedPython.Run run = ForkedPython.run(dir, List.of("--allocator", "pymalloc"), "-c",
                "import _json, _ctypes, _decimal, ctypes; print(ctypes.pythonapi.Py_IsInitialized())");

        assertEquals(0, run.status(), run::toString);
        assertEquals("1\n", run.out());
    }

    @Test
    void sysExecutableAndPrefixAreTheLibrarysInstallations() throws Exception {
        PythonLibrary lib = ForkedPython.library();
        ForkedPython.Run run = ForkedPython.run(dir, List.of("--allocator", "malloc"), "-c",
                "import sys; print(sys.executable); print(sys.prefix); print('%d.%d' % sys.version_info[:2])");

        assertEquals(0, run.status(), run::toString);
        assertEquals(lib.executable() + "\n" + lib.home() + "\n" + lib.version() + "\n", run.out());
    }

    @Test
    void systemExitInCodeEndsTheProcessWithItsStatusAfterTheFigures() throws Exception {
        ForkedPython.Run run = ForkedPython.run(dir, List.of("--allocator", "pymalloc"), "-c", "import sys; sys.exit(7)");

        assertEquals(7, run.status(), run::toString);
        assertEquals("pymalloc", run.stats().getProperty("stack"), "figures written before C's exit()");
        assertTrue(run.stat("calls.OBJ.malloc") > 0);
    }

    @Test
    void anUncaughtExceptionExitsWithStatusOne() throws Exception {
        ForkedPython.Run run = ForkedPython.run(dir, List.of("--allocator", "malloc"), "-c", "raise ValueError('boom')");

        assertEquals(1, run.status(), run::toString);
        assertTrue(run.err().contains("ValueError: boom"), run::toString);
    }

    @Test
    void aScriptRunsWithItsArguments() throws Exception {
        Path script = dir.resolve("hello.py");
        Files.writeString(script, "import sys\nprint(sys.argv[1:], sum(range(10)))\n");
        ForkedPython.Run run = ForkedPython.run(dir, List.of("--allocator", "pymalloc"), script.toString(), "a", "b");

        assertEquals(0, run.status(), run::toString);
        assertEquals("['a', 'b'] 45\n", run.out());
    }

    @Test
    void pythonThreadsAllocateThroughTheStack() throws Exception {
        ForkedPython.Run run = ForkedPython.run(dir, List.of("--allocator", "pymalloc_debug"), "-c", String.join("\n",
                "import threading",
                "out = []",
                "def work(n):",
                "    out.append(sum(len(str(i) * 3) for i in range(n)))",
                "ts = [threading.Thread(target=work, args=(20000,)) for _ in range(4)]",
                "[t.start() for t in ts]",
                "[t.join() for t in ts]",
                "print(len(out), len(set(out)))"));

        assertEquals(0, run.status(), run::toString);
        assertEquals("4 1\n", run.out());
        assertEquals(0, run.stat("failed.calls"));
    }

    @Test
    void withTracemallocTheFiguresHaveCPythonsTopAllocationSites() throws Exception {
        ForkedPython.Run run = ForkedPython.run(dir, List.of("--allocator", "pymalloc", "--tracemalloc", "1"), "-c",
                "x = [str(i) * 10 for i in range(100000)]");

        assertEquals(0, run.status(), run::toString);
        assertEquals(EmbeddedPython.TOP_SITES, run.stat("tracemalloc.sites"));
        assertTrue(run.stat("tracemalloc.peak") > 100000 * 50, "the list of 100000 strings is traced");
    }

    @Test
    void theDebugReportShowsTheJavaTracersTracebackOnATracedStack() throws Exception {
        ForkedPython.Run run = ForkedPython.run(dir, List.of("-Dpymem4j.tracemalloc=1"), Map.of(),
                List.of("--allocator", "pymalloc_debug+tracemalloc"), "-c", OVERFLOW);

        assertEquals(SIGABRT_STATUS, run.status(), run::toString);
        assertTrue(run.err().contains("Memory block allocated at (most recent call first):"), run::toString);
        assertTrue(run.err().contains("Fatal Python error: _PyMem_DebugRawFree: bad trailing pad byte"), run::toString);
    }

    @Test
    void aJvmWithoutSignalChainingIsRefusedBeforeCPythonStarts() {
        PythonLibrary lib = ForkedPython.library();
        EmbeddedPython python = EmbeddedPython.load(lib);
        PyMemRuntime runtime = PyMemRuntime.create("malloc");

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> python.run(runtime, List.of("-c", "pass"), 0, r -> { }));
        assertTrue(e.getMessage().contains("LD_PRELOAD=" + PythonJvm.libjsig()), e.getMessage());
    }

    /** What {@code PYTHONMALLOC=debug python3 -c CODE} prints to stderr. */
    private String pythonmallocDebug(PythonLibrary lib, String code) throws Exception {
        Path err = dir.resolve("python-stderr.txt");
        ProcessBuilder pb = new ProcessBuilder(lib.executable().toString(), "-c", code).redirectError(err.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("PYTHONMALLOC", "debug");
        Process p = pb.start();
        assertTrue(p.waitFor(2, TimeUnit.MINUTES));
        assertEquals(SIGABRT_STATUS, p.exitValue());
        return Files.readString(err, StandardCharsets.UTF_8);
    }

    /** Addresses and thread ids vary from run to run. */
    private static String normalized(String report) {
        return report.replaceAll("0x[0-9a-f]+", "0x?");
    }
}
