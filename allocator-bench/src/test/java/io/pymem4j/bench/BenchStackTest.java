package io.pymem4j.bench;

import io.pymem4j.api.AllocatorSetupException;
import io.pymem4j.runtime.PyMemRuntime;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Stack labels: a stack name and runtime options after colons. */
class BenchStackTest {

    @Test
    void aPlainNameHasNoOptions() {
        BenchStack s = BenchStack.parse("pymalloc_debug");
        assertEquals("pymalloc_debug", s.stack());
        assertEquals(Map.of(), s.options());
    }

    @Test
    void optionsFollowColonsAndABareOneIsTrue() {
        BenchStack s = BenchStack.parse("pymalloc:gil:tracemalloc=10");
        assertEquals("pymalloc", s.stack());
        assertEquals(Map.of("gil", "true", "tracemalloc", "10"), s.options());
        assertEquals("pymalloc:gil:tracemalloc=10", s.label());
    }

    @Test
    void theGilOptionGivesARuntimeInGilMode() {
        PyMemRuntime rt = BenchStack.parse("pymalloc:gil").runtime();
        assertTrue(rt.gilMode());
        assertFalse(BenchStack.parse("pymalloc").runtime().gilMode());
    }

    @Test
    void theTracemallocOptionPutsTheTracingLayerOnTheStack() {
        assertEquals("pymalloc+tracemalloc", BenchStack.parse("pymalloc:tracemalloc=1").runtime().currentAllocatorName());
    }

    @Test
    void anEmptyStackNameIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> BenchStack.parse(":gil"));
    }

    @Test
    void anUnknownStackFailsWhenTheRuntimeIsBuilt() {
        assertThrows(AllocatorSetupException.class, () -> BenchStack.parse("nosuch").runtime());
    }
}
