package io.pymem4j.reliability;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.tracemalloc.Tracemalloc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How {@link ApiSequenceCoverageFuzzTest} keeps a runtime per stack across inputs: each input leaves it
 * as new for the next, a failing input gets its runtime replaced, and the committed inputs still call
 * every kind of step on every stack.
 */
class ApiSequenceKeptRuntimeTest {

    private static final String INPUTS =
            "ApiSequenceCoverageFuzzTestInputs/anySequenceOfCallsKeepsEveryStackEqualToTheModel";

    @AfterEach
    void closeKeptRuntimes() {
        ApiSequenceCoverageFuzzTest.closeRuntimes();
    }

    /** Every kind of step, a block in each domain, tracing stopped at the end. */
    private static List<Op> stopsTracingWithBlocksLive() {
        return List.of(
                new Op(Op.Kind.MALLOC, PyMemAllocatorDomain.RAW, 40, 0, 0),
                new Op(Op.Kind.CALLOC, PyMemAllocatorDomain.MEM, 3, 24, 0),
                new Op(Op.Kind.TRACE_STOP, PyMemAllocatorDomain.RAW, 0, 0, 0),
                new Op(Op.Kind.MALLOC, PyMemAllocatorDomain.OBJ, 700, 0, 0),
                new Op(Op.Kind.REALLOC, PyMemAllocatorDomain.OBJ, 9000, 0, 1),
                new Op(Op.Kind.SEGMENT, PyMemAllocatorDomain.RAW, 0, 5, 2),
                new Op(Op.Kind.SETUP, PyMemAllocatorDomain.RAW, 0, 0, 0),
                new Op(Op.Kind.FREE, PyMemAllocatorDomain.RAW, 0, 0, 0),
                new Op(Op.Kind.TRACE_START, PyMemAllocatorDomain.RAW, 0, 0, 0),
                new Op(Op.Kind.MALLOC, PyMemAllocatorDomain.MEM, 16, 0, 0),
                new Op(Op.Kind.TRACE_STOP, PyMemAllocatorDomain.RAW, 0, 0, 0));
    }

    @Test
    void aKeptRuntimeIsEmptyAndTracingAgainAfterEachProgram() {
        for (StackUnderTest stack : StackUnderTest.all()) {
            PyMemRuntime rt = stack.start();
            try {
                for (int program = 0; program < 3; program++) {
                    ModelRun.checkKeepingRuntime(stack, rt, stopsTracingWithBlocksLive(), program == 2);
                    try (var _ = StackUnderTest.hold(rt)) {
                        long pymallocBlocks = StackUnderTest.pymallocBlocks(rt);
                        assertEquals(pymallocBlocks < 0 ? -1 : 0, pymallocBlocks, stack + ": pymalloc's blocks");
                    }
                    long debugLive = StackUnderTest.debugLiveBlocks(rt);
                    assertEquals(stack.debugged() ? 0 : -1, debugLive, stack + ": the debug layer's live blocks");
                    if (stack.traced()) {
                        Tracemalloc tracemalloc = Tracemalloc.of(rt);
                        assertTrue(tracemalloc.isTracing(), stack + " traces again");
                        assertEquals(new Tracemalloc.TracedMemory(0, 0), tracemalloc.getTracedMemory(),
                                stack + ": traced memory and its peak");
                    }
                }
            } finally {
                StackUnderTest.close(rt);
            }
        }
    }

    @Test
    void theFuzzerKeepsOneRuntimePerStackAcrossInputs() {
        byte[] input = input(4, Op.Kind.MALLOC, Op.Kind.FREE);
        ApiSequenceCoverageFuzzTest fuzzer = new ApiSequenceCoverageFuzzTest();
        fuzzer.anySequenceOfCallsKeepsEveryStackEqualToTheModel(input);
        PyMemRuntime kept = ApiSequenceCoverageFuzzTest.keptRuntime(4);
        assertNotNull(kept);
        fuzzer.anySequenceOfCallsKeepsEveryStackEqualToTheModel(input);
        assertSame(kept, ApiSequenceCoverageFuzzTest.keptRuntime(4));
    }

    @Test
    void anInputThatFailsOnlyOnItsKeptRuntimeIsReportedAndTheRuntimeReplaced() {
        byte[] input = input(4, Op.Kind.MALLOC, Op.Kind.FREE);
        ApiSequenceCoverageFuzzTest fuzzer = new ApiSequenceCoverageFuzzTest();
        fuzzer.anySequenceOfCallsKeepsEveryStackEqualToTheModel(input);
        PyMemRuntime poisoned = ApiSequenceCoverageFuzzTest.keptRuntime(4);
        StackUnderTest.close(poisoned); // what a finding could leave behind: a runtime that no longer works

        AssertionError reported = assertThrows(AssertionError.class,
                () -> fuzzer.anySequenceOfCallsKeepsEveryStackEqualToTheModel(input));
        assertEquals(ApiSequenceCoverageFuzzTest.STACKS.get(4) + ": the input failed on a runtime kept from earlier"
                + " inputs, not on a new one", reported.getMessage());
        assertEquals(IllegalStateException.class, reported.getCause().getClass());
        assertNull(ApiSequenceCoverageFuzzTest.keptRuntime(4));

        fuzzer.anySequenceOfCallsKeepsEveryStackEqualToTheModel(input);
        assertNotSame(poisoned, ApiSequenceCoverageFuzzTest.keptRuntime(4));
    }

    @Test
    void theCommittedInputsCallEveryKindOfStepOnEveryStack() throws IOException, URISyntaxException {
        Set<Op.Kind> kinds = EnumSet.noneOf(Op.Kind.class);
        Set<StackUnderTest> stacks = new HashSet<>();
        Path dir = Path.of(Objects.requireNonNull(getClass().getResource(INPUTS)).toURI());
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.toList()) {
                byte[] input;
                try (InputStream in = Files.newInputStream(file)) {
                    input = in.readAllBytes();
                }
                stacks.add(ApiSequenceCoverageFuzzTest.STACKS.get(Byte.toUnsignedInt(input[0])
                        % ApiSequenceCoverageFuzzTest.STACKS.size()));
                ApiSequenceCoverageFuzzTest.program(input).forEach(op -> kinds.add(op.kind()));
            }
        }
        assertEquals(EnumSet.allOf(Op.Kind.class), kinds);
        assertEquals(Set.copyOf(ApiSequenceCoverageFuzzTest.STACKS), stacks);
    }

    /** An input for the stack {@code STACKS.get(stack)} whose steps are {@code kinds}, each on block 0 of 64 bytes. */
    private static byte[] input(int stack, Op.Kind... kinds) {
        byte[] input = new byte[1 + 6 * kinds.length];
        input[0] = (byte) stack;
        for (int i = 0; i < kinds.length; i++) {
            input[1 + 6 * i] = (byte) kinds[i].ordinal();
            input[1 + 6 * i + 3] = 64;
        }
        return input;
    }
}
