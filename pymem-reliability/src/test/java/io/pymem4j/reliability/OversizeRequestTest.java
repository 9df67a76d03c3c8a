package io.pymem4j.reliability;

import io.pymem4j.api.InterpreterLock;
import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.AllocatorSetupException;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.spi.BlockLimit;
import io.pymem4j.tracemalloc.Tracemalloc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A request above the runtime's largest block ({@code max.block}) is NULL on every stack and
 * domain, for malloc, calloc and realloc, and leaves nothing behind: no live block in the
 * debug layer, no traced byte, no block held by pymalloc; a refused realloc keeps the block
 * and its content.
 */
class OversizeRequestTest {

    private static final long LIMIT = 1L << 20;
    private static final long OVER = 2L << 20;

    static List<StackUnderTest> stacks() {
        return OversizeStacks.all();
    }

    /** {@code stack} with {@code max.block=1m}, tracing started when it traces. */
    private static PyMemRuntime start(StackUnderTest stack) {
        PyMemRuntime.Builder b = PyMemRuntime.builder().allocator(stack.allocator()).gil(stack.gil())
                .option("debug.policy", "throw").option(BlockLimit.OPTION, "1m");
        if (stack.geometry() != null) {
            b.option("pymalloc.geometry", stack.geometry());
        }
        PyMemRuntime rt = b.build();
        if (stack.traced()) {
            Tracemalloc.of(rt).start(1);
        }
        return rt;
    }

    /** Nothing is held: no debug block live, no byte traced, no pymalloc block. */
    private static void assertNothingHeld(StackUnderTest stack, PyMemRuntime rt) {
        assertTrue(StackUnderTest.debugLiveBlocks(rt) <= 0, "debug layer's live blocks");
        assertTrue(stack.tracedBytes(rt) <= 0, "traced bytes");
        assertTrue(StackUnderTest.pymallocBlocks(rt) <= 0, "pymalloc's blocks");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stacks")
    void mallocAndCallocAboveTheLimitAreNullInEveryDomain(StackUnderTest stack) {
        PyMemRuntime rt = start(stack);
        try (InterpreterLock.Held _ = StackUnderTest.hold(rt)) {
            for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
                var a = rt.getAllocator(d);
                assertEquals(0, a.malloc(OVER), d + " malloc");
                assertEquals(0, a.malloc(LIMIT + 1), d + " malloc of the limit + 1");
                assertEquals(0, a.calloc(2, LIMIT), d + " calloc");
                assertEquals(0, a.calloc(1, OVER), d + " calloc 1 x over");
            }
            assertNothingHeld(stack, rt);
        } finally {
            StackUnderTest.close(rt);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stacks")
    void reallocAboveTheLimitIsNullAndKeepsTheBlock(StackUnderTest stack) {
        PyMemRuntime rt = start(stack);
        try (InterpreterLock.Held _ = StackUnderTest.hold(rt)) {
            for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
                var a = rt.getAllocator(d);
                assertEquals(0, a.realloc(0, OVER), d + " realloc from NULL");
                for (long size : new long[]{64, 4096}) {
                    long p = a.malloc(size);
                    assertNotEquals(0, p, d + " malloc " + size);
                    NativeMemory.fill(p, size, (byte) 0x5A);
                    assertEquals(0, a.realloc(p, OVER), d + " realloc of " + size);
                    assertEquals(0x5A5A5A5A5A5A5A5AL, NativeMemory.getLong(p + size - 8), d + " content kept");
                    a.free(p);
                }
            }
            assertNothingHeld(stack, rt);
        } finally {
            StackUnderTest.close(rt);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stacks")
    void aRequestAtTheLimitIsServed(StackUnderTest stack) {
        PyMemRuntime rt = start(stack);
        try (InterpreterLock.Held _ = StackUnderTest.hold(rt)) {
            long p = rt.memMalloc(LIMIT - 4096);
            assertNotEquals(0, p);
            rt.memFree(p);
        } finally {
            StackUnderTest.close(rt);
        }
    }

    @Test
    void theLimitTakesSuffixes() {
        assertEquals(1L << 20, BlockLimit.parse("1m"));
        assertEquals(3L << 40, BlockLimit.parse("3T"));
        assertEquals(65536, BlockLimit.parse("64k"));
        assertEquals(123, BlockLimit.parse("123"));
    }

    @Test
    void aBadLimitIsAnErrorNamingTheOption() {
        for (String bad : new String[]{"0", "-1", "lots", "", "9999999999t"}) {
            AllocatorSetupException e = assertThrows(AllocatorSetupException.class,
                    () -> PyMemRuntime.builder().allocator("malloc").option(BlockLimit.OPTION, bad).build(), bad);
            assertTrue(e.getMessage().startsWith("option max.block='" + bad + "' is not valid"), e.getMessage());
        }
    }

    @Test
    void aLimitBelowPymallocsOwnStructuresIsASetupErrorNamingIt() {
        AllocatorSetupException e = assertThrows(AllocatorSetupException.class,
                () -> PyMemRuntime.builder().allocator("pymalloc").option(BlockLimit.OPTION, "3").build());
        assertEquals("cannot build the stack 'pymalloc': pymalloc: cannot allocate the arena map root (262144 bytes)"
                + " (the option max.block=3 limits the layers' own structures too)", e.getMessage());
    }

    @Test
    void theDefaultIsMemoryPlusSwapAndFarBelow64TiB() {
        long limit = BlockLimit.machineDefault();
        assertTrue(limit >= 1L << 20 && limit < 1L << 46, "default " + limit);
    }
}
