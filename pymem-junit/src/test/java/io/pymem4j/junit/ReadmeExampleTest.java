package io.pymem4j.junit;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.tracemalloc.Tracemalloc;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The README's example, run by the build with the extension for real: it passes because it frees what it takes. */
@PyMemTest(stack = "pymalloc_debug", traceback = 10)
class ReadmeExampleTest {

    @Test
    void aSegmentAllocatorGivesBackWhatItTakes(PyMemRuntime rt, Tracemalloc tm) {
        SegmentAllocator objects = rt.segmentAllocator(PyMemAllocatorDomain.OBJ);
        MemorySegment point = objects.allocate(ValueLayout.JAVA_INT, 2);
        point.setAtIndex(ValueLayout.JAVA_INT, 1, 42);
        assertEquals(8, tm.getTracedMemory().current());
        rt.free(PyMemAllocatorDomain.OBJ, point);
    }

    @PyMemTest(stack = "malloc_debug", allowLeaksFrom = "io/pymem4j/junit/KnownLeaks.java")
    @Test
    void aKnownCacheMayKeepItsBlocks(PyMemRuntime rt) {
        KnownLeaks.cache(rt);
    }
}
