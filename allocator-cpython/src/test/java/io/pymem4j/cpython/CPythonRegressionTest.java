package io.pymem4j.cpython;

import io.pymem4j.api.PyMemAllocatorDomain;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CPython's own regression tests ({@code python3 -m test test_json test_re test_difflib
 * test_textwrap}) pass with every block of the interpreter's three domains allocated
 * through a pymem4j stack. Each stack runs in a JVM of its own. The tracemalloc stack traces
 * every call (1 frame): the slowest run, by far.
 */
class CPythonRegressionTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}{2}")
    @CsvSource(delimiter = '|', value = {
            "malloc|malloc|",
            "pymalloc|pymalloc|",
            "pymalloc_debug|pymalloc_debug|",
            "pymalloc_debug+tracemalloc|pymalloc+debug+tracemalloc| (tracing)",
            "pymalloc|pymalloc| (GIL mode)",
    })
    void regressionTestsPassOnTheStack(String stack, String name, String mode) throws Exception {
        PythonLibrary lib = ForkedPython.libraryWithRegressionTests();
        boolean tracing = " (tracing)".equals(mode);
        boolean gil = " (GIL mode)".equals(mode);
        List<String> options = new ArrayList<>(List.of("--allocator", stack));
        if (gil) {
            options.add("--gil");
        }
        List<String> python = new ArrayList<>(List.of("-m", "test"));
        python.addAll(List.of(ForkedPython.REGRESSION_TESTS));
        ForkedPython.Run run = ForkedPython.run(dir, tracing ? List.of("-Dpymem4j.tracemalloc=1") : List.of(),
                Map.of(), options, python.toArray(String[]::new));

        assertEquals(0, run.status(), () -> "CPython " + lib.version() + " -m test on " + stack + mode + ":\n" + run);
        assertTrue(run.out().contains("Tests result: SUCCESS"), run::toString);
        assertTrue(run.out().contains("All " + ForkedPython.REGRESSION_TESTS.length + " tests OK."), run::toString);
        assertEquals(name, run.stats().getProperty("stack"));
        assertEquals(Boolean.toString(gil), run.stats().getProperty("gil"));
        assertEquals(Boolean.toString(tracing), run.stats().getProperty("stack.tracing"), "the Java tracer traced");
        assertEquals(0, run.stat("failed.calls"), "calls on which the stack threw");
        assertAll(Arrays.stream(PyMemAllocatorDomain.values()).map(d -> () -> {
            String k = "calls." + d + ".";
            assertTrue(run.stat(k + "malloc") + run.stat(k + "calloc") > 0, d + " allocations");
            assertTrue(run.stat(k + "free") > 0, d + " frees");
        }));
        // The regression tests make millions of objects: most calls are OBJ's.
        assertTrue(run.stat("calls.OBJ.malloc") > 1_000_000, "OBJ mallocs: " + run.stat("calls.OBJ.malloc"));
        assertTrue(run.stat("peak.bytes") > 1 << 20, "peak bytes: " + run.stat("peak.bytes"));
    }
}
