package io.pymem4j.tracemalloc;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.debug.DebugConfig;
import io.pymem4j.debug.DebugHook;
import io.pymem4j.debug.MemoryCorruptionError;
import io.pymem4j.debug.Problem;
import io.pymem4j.runtime.PyMemRuntime;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The debug layer's reports on freed blocks and on live blocks checked by
 * {@code PyMemRuntime.check()}, with the tracebacks tracemalloc captured: where the block was
 * allocated, and where it was freed.
 */
class FreedBlockTracebackTest {

    private static final String FILE = "io/pymem4j/tracemalloc/FreedBlockTracebackTest.java";

    private static int nextLine() {
        return StackWalker.getInstance().walk(s -> s.skip(1).findFirst().orElseThrow().getLineNumber()) + 1;
    }

    private int allocateLine;
    private int freeLine;
    private int reallocLine;

    private long allocate(PyMemRuntime rt) {
        allocateLine = nextLine();
        return rt.memMalloc(16);
    }

    private void free(PyMemRuntime rt, long p) {
        freeLine = nextLine();
        rt.memFree(p);
    }

    private long realloc(PyMemRuntime rt, long p) {
        reallocLine = nextLine();
        return rt.memRealloc(p, 100_000);
    }

    private static PyMemRuntime traced(String... options) {
        PyMemRuntime.Builder b = PyMemRuntime.builder().allocator("malloc+debug+tracemalloc").option("tracemalloc", "1");
        for (int i = 0; i < options.length; i += 2) {
            b.option(options[i], options[i + 1]);
        }
        return b.build();
    }

    /** The report's lines from its first traceback part to its end. */
    private static List<String> tail(MemoryCorruptionError e, String from) {
        List<String> lines = e.report().lines().toList();
        int at = lines.indexOf(from);
        assertTrue(at >= 0, e.report());
        return lines.subList(at, lines.size());
    }

    private static String file(int line) {
        return "  File \"" + FILE + "\", line " + line;
    }

    @Test
    void aDoubleFreeShowsWhereTheBlockWasAllocatedAndFirstFreed() {
        PyMemRuntime rt = traced();
        long p = allocate(rt);
        free(rt, p);
        MemoryCorruptionError e = assertThrows(MemoryCorruptionError.class, () -> rt.memFree(p));
        assertEquals(Problem.DOUBLE_FREE, e.problem());
        assertEquals(List.of(
                "Memory block allocated at (most recent call first):", file(allocateLine), "",
                "Memory block freed at (most recent call first):", file(freeLine), "",
                "Fatal Python error: _PyMem_DebugRawFree: double free"),
                tail(e, "Memory block allocated at (most recent call first):"));
        Tracemalloc.of(rt).stop();
    }

    @Test
    void aDoubleFreeOfABlockInQuarantineShowsBothTracebacks() {
        PyMemRuntime rt = traced(DebugConfig.QUARANTINE_BYTES, "64k");
        long p = allocate(rt);
        free(rt, p);
        MemoryCorruptionError e = assertThrows(MemoryCorruptionError.class, () -> rt.memFree(p));
        assertEquals(List.of(
                "Memory block allocated at (most recent call first):", file(allocateLine), "",
                "Memory block freed at (most recent call first):", file(freeLine), "",
                "Fatal Python error: _PyMem_DebugRawFree: double free"),
                tail(e, "Memory block allocated at (most recent call first):"));
        Tracemalloc.of(rt).stop();
    }

    @Test
    void aFreeOfAPointerAReallocMovedShowsWhereTheReallocWas() {
        PyMemRuntime rt = traced();
        long p = allocate(rt);
        long next = rt.memMalloc(16); // keeps the block from growing in place
        long q = realloc(rt, p);
        assertNotEquals(p, q, "the realloc moved the block");
        MemoryCorruptionError e = assertThrows(MemoryCorruptionError.class, () -> rt.memFree(p));
        assertEquals(List.of(
                "Memory block allocated at (most recent call first):", file(allocateLine), "",
                "Memory block moved by realloc at (most recent call first):", file(reallocLine), "",
                "Fatal Python error: _PyMem_DebugRawFree: double free"),
                tail(e, "Memory block allocated at (most recent call first):"));
        rt.memFree(q);
        rt.memFree(next);
        Tracemalloc.of(rt).stop();
    }

    @Test
    void aWriteAfterFreeFoundInTheQuarantineShowsTheAllocationAndFreeTracebacks() {
        PyMemRuntime rt = traced(DebugConfig.QUARANTINE_BYTES, "64k");
        long p = allocate(rt);
        free(rt, p);
        NativeMemory.putByte(p + 3, (byte) 'x');
        MemoryCorruptionError e = assertThrows(MemoryCorruptionError.class,
                () -> DebugHook.of(rt).orElseThrow().flushQuarantine());
        assertEquals(Problem.WRITE_AFTER_FREE, e.problem());
        assertEquals(List.of(
                "Memory block allocated at (most recent call first):", file(allocateLine), "",
                "Memory block freed at (most recent call first):", file(freeLine), "",
                "Fatal Python error: _PyMem_DebugRawFree: write after free"),
                tail(e, "Memory block allocated at (most recent call first):"));
        Tracemalloc.of(rt).stop();
    }

    @Test
    void javaFramesArePrintedAsJavaPrintsThem() {
        PyMemRuntime rt = traced(DebugConfig.FRAMES, "java");
        long p = allocate(rt);
        free(rt, p);
        MemoryCorruptionError e = assertThrows(MemoryCorruptionError.class, () -> rt.memFree(p));
        String at = "  at " + FreedBlockTracebackTest.class.getName();
        assertEquals(List.of(
                "Memory block allocated at (most recent call first):",
                at + ".allocate(FreedBlockTracebackTest.java:" + allocateLine + ")", "",
                "Memory block freed at (most recent call first):",
                at + ".free(FreedBlockTracebackTest.java:" + freeLine + ")", "",
                "Fatal Python error: _PyMem_DebugRawFree: double free"),
                tail(e, "Memory block allocated at (most recent call first):"));
        Tracemalloc.of(rt).stop();
    }

    @Test
    void checkReportsAnOverflowInABlockNeverFreedWithItsAllocationTraceback() {
        PyMemRuntime rt = traced();
        long p = allocate(rt);
        NativeMemory.putByte(p + 16, (byte) 'x');
        MemoryCorruptionError e = assertThrows(MemoryCorruptionError.class, rt::check);
        assertEquals(Problem.BAD_TRAILING_PAD, e.problem());
        assertEquals(p, e.address());
        assertEquals(List.of(
                "Memory block allocated at (most recent call first):", file(allocateLine), "",
                "Fatal Python error: _PyMem_DebugCheckAddress: bad trailing pad byte"),
                tail(e, "Memory block allocated at (most recent call first):"));
        Tracemalloc.of(rt).stop();
    }

    @Test
    void idsFromBeforeClearTracesAreNotShown() {
        PyMemRuntime rt = traced();
        long p = allocate(rt);
        free(rt, p);
        Tracemalloc.of(rt).clearTraces();
        MemoryCorruptionError e = assertThrows(MemoryCorruptionError.class, () -> rt.memFree(p));
        assertEquals(Problem.DOUBLE_FREE, e.problem());
        assertFalse(e.report().contains("Memory block"), e.report());
        Tracemalloc.of(rt).stop();
    }
}
