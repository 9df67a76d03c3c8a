package io.pymem4j.reliability;

import io.pymem4j.api.InterpreterLock;
import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.debug.MemoryCorruptionError;
import io.pymem4j.debug.Problem;
import io.pymem4j.pymalloc.Pymalloc;
import io.pymem4j.raw.LibcAllocator;
import io.pymem4j.runtime.PyMemRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static io.pymem4j.api.PyMemAllocatorDomain.MEM;
import static io.pymem4j.api.PyMemAllocatorDomain.OBJ;
import static io.pymem4j.api.PyMemAllocatorDomain.RAW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Bad input at the API, on every stack: sizes that cannot be served and overflowing calloc
 * products give NULL and change nothing; under the debug layer every misused pointer (never
 * allocated, of another stack, freed twice, reallocated after its free, freed through the
 * wrong domain, pointing into a block) is reported with a {@link MemoryCorruptionError} under
 * the throw policy, its memory is not read when it is not a live block, and the stack keeps
 * working after the report. Without the debug layer a pointer the stack did not make reaches
 * libc, whose behaviour is libc's business (glibc usually aborts), as in CPython; that is not
 * run here. What is: pymalloc's ownership test never reads memory it does not own, and a
 * pointer libc made goes back to libc.
 */
class BadInputTest {

    /** Sizes above PY_SSIZE_T_MAX (negative longs) and sizes no machine has. */
    private static final long[] BAD_SIZES = {-1, -4096, Long.MIN_VALUE, Long.MAX_VALUE, Long.MAX_VALUE - 16, 1L << 62,
            1L << 50};
    /** calloc arguments whose product overflows PY_SSIZE_T_MAX: a negative one is a size_t at or above 2^63. */
    private static final long[][] BAD_CALLOCS = {{-1, 8}, {8, -1}, {1L << 32, 1L << 32}, {Long.MAX_VALUE, 2},
            {3, Long.MAX_VALUE / 2}, {Long.MIN_VALUE, Long.MIN_VALUE}};

    static List<StackUnderTest> stacks() {
        return StackUnderTest.all();
    }

    static List<StackUnderTest> debugStacks() {
        return StackUnderTest.bases().stream().map(b -> b.with("+debug")).toList();
    }

    /** Runs {@code body} on a new runtime of {@code stack} holding its interpreter lock in GIL mode, then closes it. */
    private static void with(StackUnderTest stack, RuntimeBody body) throws Throwable {
        PyMemRuntime rt = stack.start();
        try (InterpreterLock.Held _ = StackUnderTest.hold(rt)) {
            body.run(rt);
        } finally {
            StackUnderTest.close(rt);
        }
    }

    @FunctionalInterface
    private interface RuntimeBody {
        void run(PyMemRuntime rt) throws Throwable;
    }

    /** Every count the stack keeps is 0. */
    private static void assertNothingLive(StackUnderTest stack, PyMemRuntime rt) {
        if (stack.backend().equals("pymalloc")) {
            assertEquals(0, StackUnderTest.pymallocBlocks(rt), "pymalloc's allocated blocks");
        }
        if (stack.debugged()) {
            assertEquals(0, StackUnderTest.debugLiveBlocks(rt), "debug live blocks");
        }
        if (stack.traced()) {
            assertEquals(0, stack.tracedBytes(rt), "traced bytes");
        }
    }

    /** The stack still makes, keeps and frees a block in every domain. */
    private static void assertStillWorks(PyMemRuntime rt) {
        for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
            long p = rt.malloc(d, 100);
            assertNotEquals(0, p);
            NativeMemory.fill(p, 100, (byte) 0x3C);
            assertEquals(-1, NativeMemory.findNot(p, 100, (byte) 0x3C));
            rt.free(d, p);
        }
    }

    @ParameterizedTest
    @MethodSource("stacks")
    void sizesThatCannotBeServedGiveNullAndChangeNothing(StackUnderTest stack) throws Throwable {
        with(stack, rt -> {
            for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
                for (long size : BAD_SIZES) {
                    assertEquals(0, rt.malloc(d, size), d + " malloc(" + size + ")");
                    assertEquals(0, rt.realloc(d, 0, size), d + " realloc(NULL, " + size + ")");
                }
                for (long[] args : BAD_CALLOCS) {
                    assertEquals(0, rt.calloc(d, args[0], args[1]), d + " calloc(" + args[0] + ", " + args[1] + ")");
                }
            }
            assertNothingLive(stack, rt);
            assertStillWorks(rt);
        });
    }

    /** As CPython's calloc: 0 times a size above PY_SSIZE_T_MAX (a negative long) is 0 bytes, a block. */
    @ParameterizedTest
    @MethodSource("stacks")
    void callocOfZeroTimesASizeAboveSsizeMaxGivesABlock(StackUnderTest stack) throws Throwable {
        with(stack, rt -> {
            for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
                for (long[] args : new long[][]{{0, Long.MIN_VALUE}, {Long.MIN_VALUE, 0}, {0, -1}, {-1, 0}}) {
                    long p = rt.calloc(d, args[0], args[1]);
                    assertNotEquals(0, p, d + " calloc(" + Long.toUnsignedString(args[0]) + ", "
                            + Long.toUnsignedString(args[1]) + ")");
                    rt.free(d, p);
                }
            }
            assertNothingLive(stack, rt);
        });
    }

    @ParameterizedTest
    @MethodSource("stacks")
    void aReallocThatCannotBeServedLeavesTheBlockWhereAndAsItWas(StackUnderTest stack) throws Throwable {
        with(stack, rt -> {
            for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
                long p = rt.malloc(d, 200);
                NativeMemory.fill(p, 200, (byte) 0x71);
                for (long size : BAD_SIZES) {
                    assertEquals(0, rt.realloc(d, p, size), d + " realloc(p, " + size + ")");
                    assertEquals(-1, NativeMemory.findNot(p, 200, (byte) 0x71), "the block after realloc(p, " + size + ")");
                }
                rt.free(d, p);
            }
            assertNothingLive(stack, rt);
        });
    }

    // ------------------------------------------------------------ misused pointers, under the debug layer

    private static Problem reported(Executable misuse) {
        return assertThrows(MemoryCorruptionError.class, misuse).problem();
    }

    @ParameterizedTest
    @MethodSource("debugStacks")
    void aPointerNeverAllocatedIsReportedWithoutReadingIt(StackUnderTest stack) throws Throwable {
        with(stack, rt -> {
            // Unmapped pages: reading them would crash the JVM.
            assertEquals(Problem.NOT_LIVE, reported(() -> rt.free(MEM, 0x1000)));
            assertEquals(Problem.NOT_LIVE, reported(() -> rt.free(RAW, 0x7ff0_0000_0000L)));
            assertEquals(Problem.NOT_LIVE, reported(() -> rt.realloc(OBJ, 0xdead_0000L, 64)));
            assertStillWorks(rt);
            assertNothingLive(stack, rt);
        });
    }

    @ParameterizedTest
    @MethodSource("debugStacks")
    void aBlockOfAnotherStackIsReported(StackUnderTest stack) throws Throwable {
        PyMemRuntime other = stack.start();
        try {
            long foreign;
            try (InterpreterLock.Held _ = StackUnderTest.hold(other)) {
                foreign = other.malloc(OBJ, 48);
            }
            with(stack, rt -> {
                assertEquals(Problem.NOT_LIVE, reported(() -> rt.free(OBJ, foreign)));
                assertEquals(Problem.NOT_LIVE, reported(() -> rt.realloc(OBJ, foreign, 96)));
                assertStillWorks(rt);
            });
            try (InterpreterLock.Held _ = StackUnderTest.hold(other)) {
                other.free(OBJ, foreign);
                assertNothingLive(stack, other);
            }
        } finally {
            StackUnderTest.close(other);
        }
    }

    @ParameterizedTest
    @MethodSource("debugStacks")
    void aDoubleFreeIsReported(StackUnderTest stack) throws Throwable {
        with(stack, rt -> {
            for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
                long p = rt.malloc(d, 24);
                rt.free(d, p);
                assertEquals(Problem.DOUBLE_FREE, reported(() -> rt.free(d, p)), d.toString());
            }
            assertStillWorks(rt);
            assertNothingLive(stack, rt);
        });
    }

    @ParameterizedTest
    @MethodSource("debugStacks")
    void aReallocOfAFreedBlockIsReported(StackUnderTest stack) throws Throwable {
        with(stack, rt -> {
            long p = rt.malloc(MEM, 40);
            rt.free(MEM, p);
            assertEquals(Problem.USE_AFTER_FREE, reported(() -> rt.realloc(MEM, p, 80)));
            assertStillWorks(rt);
            assertNothingLive(stack, rt);
        });
    }

    @ParameterizedTest
    @MethodSource("debugStacks")
    void aFreeThroughAnotherDomainIsReportedAndTheBlockLeaked(StackUnderTest stack) throws Throwable {
        with(stack, rt -> {
            long p = rt.malloc(MEM, 40);
            assertEquals(Problem.BAD_ID, reported(() -> rt.free(OBJ, p)));
            assertStillWorks(rt);
        });
    }

    @ParameterizedTest
    @MethodSource("debugStacks")
    void aPointerIntoABlockIsReported(StackUnderTest stack) throws Throwable {
        with(stack, rt -> {
            long p = rt.malloc(OBJ, 64);
            assertEquals(Problem.INTERIOR_POINTER, reported(() -> rt.free(OBJ, p + 16)));
            rt.free(OBJ, p);
            assertStillWorks(rt);
            assertNothingLive(stack, rt);
        });
    }

    // ------------------------------------------------------------ without the debug layer

    @Test
    void pymallocTellsAnyAddressIsNotItsOwnWithoutReadingIt() {
        for (String geometry : new String[]{"cpython310", "classic"}) {
            PyMemRuntime rt = new StackUnderTest("pymalloc", geometry, false, "").start();
            try {
                Pymalloc pm = Pymalloc.find(rt).orElseThrow();
                long mine = rt.objectMalloc(32);
                // Unmapped, kernel, negative and misaligned addresses, and the neighbours of a real block's arena.
                long arena = pm.geometry().arenaSize;
                for (long a : new long[]{1, 0x1000, 0xdead_beefL, 0x7fff_ffff_f000L, 0x8000_0000_0000L, -1, Long.MIN_VALUE,
                        Long.MAX_VALUE, (mine & -arena) - arena, (mine & -arena) + 64 * arena}) {
                    assertFalse(pm.owns(a), geometry + ": 0x" + Long.toHexString(a));
                }
                assertEquals(true, pm.owns(mine));
                rt.objectFree(mine);
            } finally {
                StackUnderTest.close(rt);
            }
        }
    }

    @Test
    void aBlockLibcMadeIsFreedAndReallocatedByLibcThroughPymalloc() {
        PyMemRuntime rt = new StackUnderTest("pymalloc", "cpython310", false, "").start();
        try {
            long p = LibcAllocator.INSTANCE.malloc(100);
            NativeMemory.fill(p, 100, (byte) 0x42);
            long q = rt.objectRealloc(p, 300);
            assertNotEquals(0, q);
            assertEquals(-1, NativeMemory.findNot(q, 100, (byte) 0x42));
            rt.objectFree(q);
        } finally {
            StackUnderTest.close(rt);
        }
    }
}
