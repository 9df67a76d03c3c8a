package io.pymem4j.junit;

import io.pymem4j.runtime.PyMemRuntime;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TestRuntimeTest {

    @PyMemTest
    private static final class Defaults {
    }

    @PyMemTest(allowLeaks = true)
    private static final class AllowLeaks {
    }

    private static PyMemTest rules(Class<?> c) {
        return c.getAnnotation(PyMemTest.class);
    }

    private static TestRuntime create(String stack, int traceback, boolean perTest) {
        return TestRuntime.create(new TestRuntime.Key(stack, traceback, new TreeMap<>()), perTest);
    }

    @Test
    void theStackGetsTracemallocAndTheRecorderOnTop() {
        assertEquals("pymalloc+debug+tracemalloc+junit", create("pymalloc_debug", 10, true).runtime.currentAllocatorName());
        assertEquals("malloc+tracemalloc+junit", create("malloc+tracemalloc", 3, true).runtime.currentAllocatorName());
        assertEquals("malloc+junit", create("malloc", 0, true).runtime.currentAllocatorName());
    }

    @Test
    void theDebugLayerThrowsWhateverTheSystemPropertySays() {
        System.setProperty("pymem4j.debug.policy", "log");
        try {
            PyMemRuntime rt = create("malloc_debug", 0, true).runtime;
            assertEquals("throw", rt.option("debug.policy"));
        } finally {
            System.clearProperty("pymem4j.debug.policy");
        }
    }

    @Test
    void theRecorderIsNotInTheClassPathsRegistry() {
        assertFalse(io.pymem4j.runtime.ProviderRegistry.getDefault().providers().containsKey(ReportRecorder.NAME));
        assertTrue(TestRuntime.registry().providers().containsKey(ReportRecorder.NAME));
    }

    @Test
    void aCleanPerTestRuntimeReleasesPymallocsArenasAndALeakyOneKeepsThem() {
        TestRuntime clean = create("pymalloc_debug", 1, true);
        clean.runtime.memFree(clean.runtime.memMalloc(10));
        assertNull(clean.check(rules(Defaults.class), null));
        assertTrue(clean.releasesArenasOnClose());

        TestRuntime leaky = create("pymalloc_debug", 1, true);
        leaky.runtime.memMalloc(10);
        assertNull(leaky.check(rules(AllowLeaks.class), null));
        assertFalse(leaky.releasesArenasOnClose(), "a block may still point into an arena");
    }

    @Test
    void aSharedRuntimeNeverReleasesItsArenas() {
        TestRuntime shared = create("pymalloc_debug", 1, false);
        assertNull(shared.check(rules(Defaults.class), null));
        assertFalse(shared.releasesArenasOnClose());
    }

    @Test
    void figuresAreWordedAsTracemallocWordsThem() {
        assertEquals("size=228 B, count=3, average=76 B", TestRuntime.figures(228, 3));
        assertEquals("size=1536 KiB, count=2, average=768 KiB", TestRuntime.figures(3L << 19, 2));
    }

    @Test
    void optionsAreKeyEqualsValue() {
        assertEquals(Map.of("debug.quarantine.bytes", "64k", "a", "b=c"),
                TestRuntime.parseOptions(new String[]{"debug.quarantine.bytes = 64k", "a=b=c"}));
        var e = assertThrows(IllegalArgumentException.class, () -> TestRuntime.parseOptions(new String[]{"=x"}));
        assertEquals("@PyMemTest option '=x' is not key=value", e.getMessage());
        assertEquals(List.of(), List.copyOf(TestRuntime.parseOptions(new String[0]).keySet()));
    }
}
