package io.pymem4j.reliability;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.pymem4j.api.PyMemAllocatorDomain;

import java.util.ArrayList;
import java.util.List;

/**
 * Coverage-guided fuzzing (Jazzer) of sequences of API calls on every stack of
 * {@link StackUnderTest#all()} (malloc and pymalloc in both geometries, each plain, with the debug
 * hooks and with tracemalloc, in both thread modes), checked step by step against the model of
 * {@link ModelRun}: malloc, calloc, realloc, free, a {@code segment} view, {@code setupAllocators}
 * on the used runtime, tracemalloc's start and stop. The input's first byte picks the stack; each
 * further 6 bytes are one step ({@link #program}). A failed check is an {@link AssertionError}
 * naming the stack and the step. The committed inputs ({@code ApiSequenceCoverageFuzzTestInputs/})
 * are replayed in the suite; {@code JAZZER_FUZZ=1} fuzzes (RELIABILITY.md has the command).
 */
class ApiSequenceCoverageFuzzTest {

    private static final List<StackUnderTest> STACKS = StackUnderTest.all();
    private static final Op.Kind[] KINDS = Op.Kind.values();
    private static final PyMemAllocatorDomain[] DOMAINS = PyMemAllocatorDomain.values();
    /** Longer programs find little more and slow every execution down. */
    private static final int MAX_STEPS = 64;

    @FuzzTest(maxDuration = "30s")
    void anySequenceOfCallsKeepsEveryStackEqualToTheModel(byte[] input) {
        if (input.length == 0) {
            return;
        }
        StackUnderTest stack = STACKS.get(Byte.toUnsignedInt(input[0]) % STACKS.size());
        ModelRun.check(stack, program(input));
    }

    /**
     * The steps of {@code input} after its first byte, 6 bytes each: kind, domain, a 16-bit size
     * whose top 2 bits choose its range (up to 128, 512, 8192 or 300,000 bytes, pymalloc's classes
     * first), calloc's element size (up to 64), and the live block a step takes.
     */
    static List<Op> program(byte[] input) {
        List<Op> program = new ArrayList<>();
        for (int at = 1; at + 6 <= input.length && program.size() < MAX_STEPS; at += 6) {
            Op.Kind kind = KINDS[Byte.toUnsignedInt(input[at]) % KINDS.length];
            PyMemAllocatorDomain domain = DOMAINS[Byte.toUnsignedInt(input[at + 1]) % DOMAINS.length];
            int raw = Byte.toUnsignedInt(input[at + 2]) << 8 | Byte.toUnsignedInt(input[at + 3]);
            int bits = raw & 0x3fff;
            int size = switch (raw >>> 14) {
                case 0 -> bits % 129;
                case 1 -> bits % 513;
                case 2 -> bits % 8193;
                default -> bits * 18 % 300_001;
            };
            int elsize = Byte.toUnsignedInt(input[at + 4]) % 65;
            int pick = Byte.toUnsignedInt(input[at + 5]);
            program.add(kind == Op.Kind.CALLOC ? new Op(kind, domain, Math.min(size, 2048), elsize, pick)
                    : new Op(kind, domain, size, elsize, pick));
        }
        return program;
    }
}
