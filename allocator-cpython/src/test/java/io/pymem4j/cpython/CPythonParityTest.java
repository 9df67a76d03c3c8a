package io.pymem4j.cpython;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Where the embedded CPython must behave as the installation's {@code python3}, measured side
 * by side: each case runs in a JVM of its own and, where the interpreter is installed, in
 * {@code python3} too with the same environment.
 */
class CPythonParityTest {

    /** One line per calloc entry point: its result for 0 x 2^63, 2^63 x 0, 0 x (2^64-1), (2^64-1) x 0, 1 x 2^63, 2^63 x 1. */
    static final String CALLOC_EDGES = String.join("\n",
            "import ctypes",
            "api = ctypes.pythonapi",
            "for name, free in (('PyMem_RawCalloc', 'PyMem_RawFree'), ('PyMem_Calloc', 'PyMem_Free'),",
            "                   ('PyObject_Calloc', 'PyObject_Free')):",
            "    c = getattr(api, name)",
            "    c.restype = ctypes.c_void_p",
            "    c.argtypes = [ctypes.c_size_t, ctypes.c_size_t]",
            "    f = getattr(api, free)",
            "    f.argtypes = [ctypes.c_void_p]",
            "    out = [name]",
            "    for a, b in ((0, 2**63), (2**63, 0), (0, 2**64 - 1), (2**64 - 1, 0), (1, 2**63), (2**63, 1)):",
            "        p = c(a, b)",
            "        out.append('NULL' if p is None else 'block')",
            "        f(p)",
            "    print(*out)");
    static final String CALLOC_EDGES_OUT = """
            PyMem_RawCalloc block block block block NULL NULL
            PyMem_Calloc block block block block NULL NULL
            PyObject_Calloc block block block block NULL NULL
            """;
    /** The locale categories python3 prints: LC_CTYPE from the environment, the others "C". */
    static final String LOCALE = "import locale; print(*(locale.setlocale(getattr(locale, c)) for c in"
            + " ('LC_CTYPE', 'LC_NUMERIC', 'LC_TIME', 'LC_COLLATE', 'LC_MONETARY', 'LC_MESSAGES')))";
    static final Map<String, String> UTF8_LOCALE = Map.of("LANG", "C.UTF-8", "LC_ALL", "C.UTF-8");
    static final String NO_GIL_REPORT = "Fatal Python error: _PyMem_DebugMalloc: Python memory allocator called without"
            + " holding the GIL\nPython runtime state: initialized\n";

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"malloc", "pymalloc", "pymalloc_debug"})
    void callocOfZeroTimesASizeAboveSsizeMaxGivesABlockAsInCPython(String stack) throws Exception {
        PythonLibrary lib = ForkedPython.library();
        ForkedPython.Run run = ForkedPython.run(dir, List.of("--allocator", stack), "-c", CALLOC_EDGES);

        assertEquals(0, run.status(), run::toString);
        assertEquals(CALLOC_EDGES_OUT, run.out());
        if (Files.isExecutable(lib.executable())) {
            assertEquals(CALLOC_EDGES_OUT, python3(lib, Map.of(), "-c", CALLOC_EDGES).out(), "python3's output");
        }
    }

    /** CPython's test_capi {@code check_malloc_without_gil}: PYTHONMALLOC=debug aborts, whether or not in GIL mode. */
    @ParameterizedTest
    @ValueSource(strings = {"pymem_malloc_without_gil", "pyobject_malloc_without_gil"})
    void withoutGilModeTheDebugHooksCheckCPythonsGilAsPythonmallocDebugDoes(String function) throws Exception {
        PythonLibrary lib = withTestcapi();
        String code = "import _testcapi; _testcapi." + function + "()";
        ForkedPython.Run run = ForkedPython.run(dir, List.of("-Dpymem4j.debug.serialno=false"), Map.of(),
                List.of("--allocator", "pymalloc_debug"), "-c", code);

        assertEquals(CPythonBehaviourTest.SIGABRT_STATUS, run.status(), run::toString);
        assertTrue(run.err().startsWith(NO_GIL_REPORT), run::toString);
        if (Files.isExecutable(lib.executable())) {
            ForkedPython.Run python3 = python3(lib, Map.of("PYTHONMALLOC", "debug"), "-c", code);
            assertEquals(CPythonBehaviourTest.SIGABRT_STATUS, python3.status(), python3::toString);
            assertEquals(normalized(python3.err()), normalized(run.err()), "the report of PYTHONMALLOC=debug python3");
        }
    }

    @Test
    void withoutADebugLayerNothingChecksTheGil() throws Exception {
        withTestcapi();
        ForkedPython.Run run = ForkedPython.run(dir, List.of("--allocator", "pymalloc"), "-c",
                "import _testcapi; _testcapi.pymem_malloc_without_gil(); print('ok')");

        assertEquals(0, run.status(), run::toString);
        assertEquals("ok\n", run.out());
    }

    @Test
    void theInterpreterHasTheLocalePython3HasUnderTheSameEnvironment() throws Exception {
        PythonLibrary lib = ForkedPython.library();
        ForkedPython.Run run = ForkedPython.run(dir, List.of(), UTF8_LOCALE, List.of("--allocator", "malloc"), "-c", LOCALE);

        assertEquals(0, run.status(), run::toString);
        assertEquals("C.UTF-8 C C C C C\n", run.out());
        if (Files.isExecutable(lib.executable())) {
            assertEquals(python3(lib, UTF8_LOCALE, "-c", LOCALE).out(), run.out(), "python3's locale");
        }
    }

    /** The library, if its installation has CPython's C API test module; else the test is skipped. */
    private static PythonLibrary withTestcapi() throws Exception {
        PythonLibrary lib = ForkedPython.library();
        Path dynload = lib.stdlib().resolve("lib-dynload");
        boolean found;
        try (var files = Files.isDirectory(dynload) ? Files.list(dynload) : java.util.stream.Stream.<Path>empty()) {
            found = files.anyMatch(f -> f.getFileName().toString().startsWith("_testcapi."));
        }
        assumeTrue(found, "CPython " + lib.version() + " has no _testcapi module under " + dynload + " (Debian: "
                + ForkedPython.INSTALL + ")");
        return lib;
    }

    /** The installation's interpreter with {@code env} added to this process's environment. */
    private ForkedPython.Run python3(PythonLibrary lib, Map<String, String> env, String... args) throws Exception {
        Path out = dir.resolve("python3-stdout.txt");
        Path err = dir.resolve("python3-stderr.txt");
        ProcessBuilder pb = new ProcessBuilder(lib.executable().toString()).redirectOutput(out.toFile())
                .redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.command().addAll(List.of(args));
        pb.environment().putAll(env);
        Process p = pb.start();
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "python3 " + List.of(args) + " ended");
        return new ForkedPython.Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8), new java.util.Properties());
    }

    /** Addresses and thread ids vary from run to run. */
    private static String normalized(String report) {
        return report.replaceAll("0x[0-9a-f]+", "0x?");
    }
}
