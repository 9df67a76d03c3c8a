package io.pymem4j.guard;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.spi.BlockTracebacks.SourceLine;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The allocation traceback of a sampled block: the caller's frames, whatever lies between it and the walk. */
class SampledTracebackTest {

    private static final String FILE = "io/pymem4j/guard/SampledTracebackTest.java";

    /** Allocator machinery {@code depth} frames deep (each level a {@link PyMemAllocatorEx}) around one walk. */
    private record Machinery(SampledTraceback.Walker walker, int depth, SampledTraceback[] out)
            implements PyMemAllocatorEx {
        @Override
        public long malloc(long size) {
            if (depth == 0) {
                out[0] = walker.capture();
            } else {
                new Machinery(walker, depth - 1, out).malloc(size);
            }
            return 0;
        }

        @Override
        public long calloc(long nelem, long elsize) {
            return 0;
        }

        @Override
        public long realloc(long ptr, long newSize) {
            return 0;
        }

        @Override
        public void free(long ptr) {
        }
    }

    private static List<SourceLine> walkThrough(SampledTraceback.Walker walker, int depth) {
        SampledTraceback[] out = new SampledTraceback[1];
        new Machinery(walker, depth, out).malloc(1);
        return out[0].frames(PyMemAllocatorDomain.MEM, 0);
    }

    private static int line() {
        return StackWalker.getInstance().walk(s -> s.skip(1).findFirst()).orElseThrow().getLineNumber();
    }

    @Test
    void theFirstFrameIsTheCallersAndTheMachineryIsLeftOut() {
        SampledTraceback.Walker walker = new SampledTraceback.Walker(3);
        int line = line() + 1;
        List<SourceLine> frames = walkThrough(walker, 2);
        assertEquals(3, frames.size());
        assertEquals(FILE, frames.get(0).filename()); // walkThrough, which called the machinery
        assertEquals(FILE, frames.get(1).filename());
        assertEquals(line, frames.get(1).lineno());
    }

    @Test
    void aWalkThroughDeeperMachineryThanTheLastOneStillKeepsEveryFrame() {
        SampledTraceback.Walker walker = new SampledTraceback.Walker(3);
        walkThrough(walker, 0);
        int line = line() + 1;
        List<SourceLine> frames = walkThrough(walker, 20);
        assertEquals(3, frames.size());
        assertEquals(FILE, frames.get(1).filename());
        assertEquals(line, frames.get(1).lineno());
    }
}
