package io.pymem4j.guard;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.debug.MemoryCorruptionError;
import io.pymem4j.debug.Problem;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.pymem4j.api.PyMemAllocatorDomain.MEM;
import static io.pymem4j.api.PyMemAllocatorDomain.OBJ;
import static io.pymem4j.guard.GuardFixture.corruption;
import static io.pymem4j.guard.GuardFixture.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What the guard layer's errors carry beyond CPython's report, as the debug layer's do: the
 * opening Java sentence, where a freed block was allocated and freed, the runtime's check,
 * and every report of one check.
 */
class GuardMessageTest {

    /** The line of the caller of this method. */
    private static int here() {
        return StackWalker.getInstance().walk(s -> s.skip(1).findFirst()).orElseThrow().getLineNumber();
    }

    @Test
    void theErrorOpensWithAJavaSentenceNamingTheBlockAndItsDomain() {
        GuardFixture f = GuardFixture.everyBlock();
        long p = f.allocator(OBJ).malloc(24);
        NativeMemory.putByte(p + 24, (byte) 'x');
        MemoryCorruptionError e = corruption(() -> f.allocator(OBJ).free(p));
        assertEquals("Buffer overflow: the bytes just past the end of the OBJ block at " + hex(p)
                + " (24 bytes) were overwritten (found by free).\n" + e.report(), e.getMessage());
        assertEquals(OBJ, e.domain());
    }

    @Test
    void aPointerIntoTheRegionWhereNoBlockStartsIsNamedNoBlockOfTheGuardLayer() {
        GuardFixture f = GuardFixture.everyBlock();
        long p = f.allocator(MEM).malloc(24);
        MemoryCorruptionError e = corruption(() -> f.allocator(MEM).free(p + 64));
        assertEquals("Bad pointer: " + hex(p + 64) + " was given to the MEM domain's free, but it is not a live block"
                + " of the guard layer.", e.getMessage().lines().findFirst().orElseThrow());
        assertEquals(MEM, e.domain());
    }

    @Test
    void aDoubleFreeUnderTracemallocShowsWhereTheSampledBlockWasAllocatedAndFirstFreed() {
        GuardFixture f = new GuardFixture("pattern+guard+tracemalloc", "tracemalloc", "1",
                GuardConfig.SAMPLE, "1", GuardConfig.FRAMES, "0");
        long p = f.runtime.getAllocator(MEM).malloc(24); int allocated = here();
        f.runtime.getAllocator(MEM).free(p); int freed = here();
        MemoryCorruptionError e = corruption(() -> f.runtime.getAllocator(MEM).free(p));
        List<String> lines = e.report().lines().toList();
        assertEquals(List.of(
                "Memory block allocated at (most recent call first):",
                "  File \"io/pymem4j/guard/GuardMessageTest.java\", line " + allocated,
                "",
                "Memory block freed at (most recent call first):",
                "  File \"io/pymem4j/guard/GuardMessageTest.java\", line " + freed,
                "",
                "Fatal Python error: _PyMem_DebugRawFree: double free"),
                lines.subList(Math.max(0, lines.size() - 7), lines.size()));
        assertEquals("Double free: the MEM block at " + hex(p) + " (24 bytes) was given to the MEM domain's free"
                + " after it was already freed.", e.getMessage().lines().findFirst().orElseThrow());
    }

    @Test
    void theRuntimesCheckChecksTheSampledBlocks() {
        GuardFixture f = GuardFixture.everyBlock();
        long p = f.allocator(MEM).malloc(24);
        NativeMemory.putByte(p + 24, (byte) 'x');
        MemoryCorruptionError e = corruption(() -> f.runtime.check());
        assertEquals(Problem.BAD_TRAILING_PAD, e.problem());
        assertEquals("Fatal Python error: _PyMem_DebugCheckAddress: bad trailing pad byte", e.fatalError());
        assertEquals("Buffer overflow: the bytes just past the end of the MEM block at " + hex(p)
                + " (24 bytes) were overwritten (found by PyMemRuntime.check()).",
                e.getMessage().lines().findFirst().orElseThrow());
    }

    @Test
    void everyBlockACheckFindsWrittenIsReportedTheFirstThrownWithTheOthersSuppressed() {
        GuardFixture f = GuardFixture.everyBlock();
        long p = f.allocator(MEM).malloc(24);
        long q = f.allocator(MEM).malloc(24);
        f.allocator(MEM).free(p);
        f.allocator(MEM).free(q);
        NativeMemory.putByte(p + 1, (byte) 1);
        NativeMemory.putByte(q + 2, (byte) 2);
        MemoryCorruptionError e = corruption(() -> f.hook().check());
        assertEquals(1, e.getSuppressed().length);
        MemoryCorruptionError other = (MemoryCorruptionError) e.getSuppressed()[0];
        assertEquals(List.of(Problem.WRITE_AFTER_FREE, Problem.WRITE_AFTER_FREE), List.of(e.problem(), other.problem()));
        assertEquals(List.of(p, q), List.of(e.address(), other.address()));
        assertEquals(2, f.hook().problemsFound());
    }
}
