package io.pymem4j.reliability;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.pymem4j.api.AllocatorSetupException;
import io.pymem4j.runtime.ProviderRegistry;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.runtime.StackSpec;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Coverage-guided fuzzing (Jazzer) of the stack-name grammar ({@link StackSpec#parse}) and of the
 * runtime's options ({@code PyMemRuntime.builder().allocator(name).option(key, value)}): any
 * string gives a stack whose name parses back to it, or a working runtime, or an
 * {@link AllocatorSetupException} or {@link IllegalArgumentException} with a message; never another
 * exception. The input is UTF-8 text: the first line is the stack name, each further pair of lines
 * an option key and its value. The committed inputs ({@code StackNameCoverageFuzzTestInputs/}) are
 * replayed in the suite; {@code JAZZER_FUZZ=1} fuzzes (RELIABILITY.md has the command).
 * {@link AllocatorNameFuzzTest} stays beside it: it draws names from the grammar's words at random.
 */
class StackNameCoverageFuzzTest {

    @FuzzTest(maxDuration = "30s")
    @DictionaryEntries({"default", "debug", "pymalloc", "malloc", "mimalloc", "_debug", "+", "tracemalloc", "failing",
            "pymalloc.geometry", "cpython310", "classic", "debug.policy", "throw", "log", "abort", "debug.serialno",
            "debug.quarantine.bytes", "debug.history", "failing.start", "failing.stop", "failing.probability",
            "failing.seed", "failing.domains", "gil", "true", "false", "mem,obj", "max.block", "\\x0A"})
    void anyNameGivesAStackThatParsesBackOrASetupError(byte[] input) {
        String name = new String(input, StandardCharsets.UTF_8).lines().findFirst().orElse("");
        StackSpec spec;
        try {
            spec = StackSpec.parse(name, ProviderRegistry.getDefault());
        } catch (AllocatorSetupException e) {
            assertHasMessage(e);
            return;
        }
        assertEquals(spec.hooks().size(), spec.hooks().stream().distinct().count(), "a hook named twice: " + spec);
        assertEquals(spec, StackSpec.parse(spec.name(), ProviderRegistry.getDefault()), "the stack's name parses back");
    }

    @FuzzTest(maxDuration = "30s")
    @DictionaryEntries({"default", "debug", "pymalloc", "malloc", "mimalloc", "_debug", "+", "tracemalloc", "failing",
            "pymalloc.geometry", "cpython310", "classic", "debug.policy", "throw", "log", "abort", "debug.serialno",
            "debug.quarantine.bytes", "debug.history", "failing.start", "failing.stop", "failing.probability",
            "failing.seed", "failing.domains", "gil", "true", "false", "mem,obj", "max.block", "\\x0A"})
    void anyNameAndOptionsGiveAWorkingRuntimeOrASetupError(byte[] input) {
        String[] lines = new String(input, StandardCharsets.UTF_8).split("\n", -1);
        PyMemRuntime.Builder builder = PyMemRuntime.builder().allocator(lines[0]);
        for (int i = 1; i + 1 < lines.length && i < 9; i += 2) {
            builder.option(lines[i], lines[i + 1]);
        }
        PyMemRuntime rt;
        try {
            rt = builder.build();
        } catch (IllegalArgumentException e) { // AllocatorSetupException is one
            assertHasMessage(e);
            return;
        }
        StackUnderTest.assertWorksThenClose(rt);
    }

    private static void assertHasMessage(RuntimeException e) {
        assertFalse(e.getMessage() == null || e.getMessage().isBlank(), () -> e + " without a message");
    }
}
