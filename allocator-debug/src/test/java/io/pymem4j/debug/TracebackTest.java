package io.pymem4j.debug;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.raw.MallocProvider;
import io.pymem4j.runtime.ProviderRegistry;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.spi.BlockTracebacks;
import io.pymem4j.spi.Hook;
import io.pymem4j.spi.HookContext;
import io.pymem4j.spi.HookProvider;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.pymem4j.api.PyMemAllocatorDomain.OBJ;
import static io.pymem4j.debug.Fixture.corruption;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tracemalloc part of a report: from a {@link BlockTracebacks} layer of the same stack. */
class TracebackTest {

    /** A tracer layer above the debug layer that answers with fixed frames for every block. */
    private record FixedTracer(boolean tracing, List<BlockTracebacks.SourceLine> frames) implements HookProvider {
        @Override
        public String name() {
            return "tracer";
        }

        @Override
        public String description() {
            return "fixed tracebacks";
        }

        @Override
        public boolean transparent() {
            return true;
        }

        @Override
        public Hook create(HookContext context) {
            return new State(tracing, frames);
        }

        private record State(boolean tracing, List<SourceLine> fixed) implements Hook, BlockTracebacks {
            @Override
            public PyMemAllocatorEx wrap(PyMemAllocatorDomain domain, PyMemAllocatorEx below) {
                return below;
            }

            @Override
            public List<SourceLine> frames(PyMemAllocatorDomain domain, long address) {
                return fixed;
            }
        }
    }

    private static String overflowReport(FixedTracer tracer) {
        PyMemRuntime rt = PyMemRuntime.builder()
                .registry(ProviderRegistry.of(new DebugHookProvider(), new MallocProvider(), tracer))
                .allocator("malloc+debug+tracer").build();
        PyMemAllocatorEx obj = rt.getAllocator(OBJ);
        long p = obj.malloc(16);
        NativeMemory.putByte(p + 16, (byte) 'x');
        return corruption(() -> obj.free(p)).report();
    }

    @Test
    void tracedBlockGetsItsAllocationFramesMostRecentFirst() {
        String report = overflowReport(new FixedTracer(true, List.of(
                new BlockTracebacks.SourceLine("<string>", 3), new BlockTracebacks.SourceLine("caf\u00e9.py", 4))));
        assertTrue(report.endsWith("""
                cd cd cd cd cd cd cd cd

                Memory block allocated at (most recent call first):
                  File "<string>", line 3
                  File "caf\\xe9.py", line 4

                Fatal Python error: _PyMem_DebugRawFree: bad trailing pad byte
                """), report);
    }

    @Test
    void untracedBlockWhileTracingHasNoTracebackPart() {
        String report = overflowReport(new FixedTracer(true, null));
        assertTrue(report.endsWith(" cd cd\n\nFatal Python error: _PyMem_DebugRawFree: bad trailing pad byte\n"), report);
    }

    @Test
    void aTracerThatIsNotTracingGivesTheEnableTracemallocLines() {
        String report = overflowReport(new FixedTracer(false, List.of()));
        assertTrue(report.contains("\n\nEnable tracemalloc to get the memory block allocation traceback\n\n"), report);
        assertFalse(report.contains("Memory block allocated at"));
    }

    @Test
    void noTracerGivesTheEnableTracemallocLines() {
        Fixture f = new Fixture();
        long p = f.allocator(OBJ).malloc(16);
        NativeMemory.putByte(p + 16, (byte) 'x');
        String report = corruption(() -> f.allocator(OBJ).free(p)).report();
        assertTrue(report.contains("\n\nEnable tracemalloc to get the memory block allocation traceback\n\n"), report);
    }
}
