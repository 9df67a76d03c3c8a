package io.pymem4j.reliability;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.runtime.PyMemRuntime;
import org.junit.jupiter.api.AfterAll;

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
 *
 * <p>Each stack's runtime is built once, at its first input, and kept: an input frees every block it
 * made (checked by the model) and tracing is restarted ({@link ModelRun#checkKeepingRuntime}), so the
 * next input starts on an empty runtime whose layers keep only what the model does not see (pymalloc's
 * arenas, the debug layer's serial numbers), and an execution spends nothing on set-up and close. The
 * debug layer's whole table is counted now and then ({@link #COUNT_TABLE_EVERY}); between, the model
 * asks it about each block. A failing input closes and forgets its runtime (the next input gets a new
 * one), then runs again on a new runtime: if it fails there too, that failure is reported, reproducible
 * from the input alone; if not, the first failure is reported as one that needs the state earlier
 * inputs left.
 */
class ApiSequenceCoverageFuzzTest {

    static final List<StackUnderTest> STACKS = StackUnderTest.all();
    private static final Op.Kind[] KINDS = Op.Kind.values();
    private static final PyMemAllocatorDomain[] DOMAINS = PyMemAllocatorDomain.values();
    /** Longer programs find little more and slow every execution down. */
    private static final int MAX_STEPS = 64;

    /** Each stack's kept runtime, by its index in {@link #STACKS}; null until its first input or after a failure. */
    private static final PyMemRuntime[] RUNTIMES = new PyMemRuntime[STACKS.size()];
    /** Inputs each kept runtime ran. */
    private static final long[] USES = new long[STACKS.size()];
    /**
     * The debug layer's whole table is counted after the first input on a runtime and after every this
     * many; between, the model checks the table block by block ({@link ModelRun#checkKeepingRuntime}).
     */
    private static final int COUNT_TABLE_EVERY = 64;

    @FuzzTest(maxDuration = "30s")
    void anySequenceOfCallsKeepsEveryStackEqualToTheModel(byte[] input) {
        if (input.length == 0) {
            return;
        }
        int index = Byte.toUnsignedInt(input[0]) % STACKS.size();
        StackUnderTest stack = STACKS.get(index);
        List<Op> program = program(input);
        PyMemRuntime rt = RUNTIMES[index];
        if (rt == null) {
            rt = stack.start();
            RUNTIMES[index] = rt;
            USES[index] = 0;
        }
        try {
            ModelRun.checkKeepingRuntime(stack, rt, program, USES[index]++ % COUNT_TABLE_EVERY == 0);
        } catch (Throwable onKeptRuntime) {
            RUNTIMES[index] = null;
            closeQuietly(rt);
            // Throws when the input fails on its own; then that is the failure to report.
            ModelRun.check(stack, program);
            throw new AssertionError(stack + ": the input failed on a runtime kept from earlier inputs,"
                    + " not on a new one", onKeptRuntime);
        }
    }

    /** The runtime kept for the stack {@code STACKS.get(index)}; null when none is. */
    static PyMemRuntime keptRuntime(int index) {
        return RUNTIMES[index];
    }

    @AfterAll
    static void closeRuntimes() {
        for (int i = 0; i < RUNTIMES.length; i++) {
            if (RUNTIMES[i] != null) {
                StackUnderTest.close(RUNTIMES[i]);
                RUNTIMES[i] = null;
            }
        }
    }

    private static void closeQuietly(PyMemRuntime rt) {
        try {
            StackUnderTest.close(rt);
        } catch (RuntimeException | Error e) {
            // The failure being reported matters; the runtime is dropped either way.
        }
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
