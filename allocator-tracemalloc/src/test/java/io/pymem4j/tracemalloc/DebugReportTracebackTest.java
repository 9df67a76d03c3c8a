package io.pymem4j.tracemalloc;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.debug.MemoryCorruptionError;
import io.pymem4j.runtime.PyMemRuntime;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The debug layer's report shows the block's tracemalloc traceback when tracing is on. */
class DebugReportTracebackTest {

    @Test
    void aBufferOverflowReportEndsWithTheBlocksAllocationTraceback() {
        PyMemRuntime rt = PyMemRuntime.builder().allocator("malloc+debug+tracemalloc").option("tracemalloc", "2").build();
        long p = allocateSixteen(rt);
        NativeMemory.putByte(p + 16, (byte) 'x');
        MemoryCorruptionError e = assertThrows(MemoryCorruptionError.class, () -> rt.memFree(p));
        List<String> lines = e.report().lines().toList();
        int at = lines.indexOf("Memory block allocated at (most recent call first):");
        assertEquals(List.of(
                "Memory block allocated at (most recent call first):",
                "  File \"io/pymem4j/tracemalloc/DebugReportTracebackTest.java\", line 34",
                "  File \"io/pymem4j/tracemalloc/DebugReportTracebackTest.java\", line 19",
                "",
                "Fatal Python error: _PyMem_DebugRawFree: bad trailing pad byte"), lines.subList(at, lines.size()));
        Tracemalloc.of(rt).stop();
    }

    private static long allocateSixteen(PyMemRuntime rt) {
        return rt.memMalloc(16);
    }
}
