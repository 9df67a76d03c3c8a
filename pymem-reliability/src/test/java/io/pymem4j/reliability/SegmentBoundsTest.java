package io.pymem4j.reliability;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.spi.UsableSize;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@code runtime.segment(p, n)} refuses a view past the block's end where a layer of the stack
 * knows the block's size: the debug layer its requested size, pymalloc its size class.
 */
class SegmentBoundsTest {

    @ParameterizedTest
    @ValueSource(strings = {"pymalloc_debug", "malloc_debug", "mimalloc_debug", "pymalloc+debug+tracemalloc"})
    void aDebugStackRefusesAViewLongerThanTheRequestedSize(String stack) {
        try (PyMemRuntime rt = PyMemRuntime.create(stack)) {
            for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
                long p = rt.malloc(d, 100);
                assertEquals(100L, rt.segment(p, 100).byteSize());
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> rt.segment(p, 101));
                assertEquals("no segment of 101 bytes at 0x" + Long.toHexString(p) + ": the block has 100 usable bytes",
                        e.getMessage());
                rt.free(d, p);
            }
        }
    }

    @Test
    void pymallocRefusesAViewPastTheSizeClass() {
        try (PyMemRuntime rt = PyMemRuntime.create("pymalloc")) {
            long p = rt.objectMalloc(100); // size class 112
            assertEquals(112L, rt.usableSize(p));
            assertEquals(112L, rt.segment(p, 112).byteSize());
            assertThrows(IllegalArgumentException.class, () -> rt.segment(p, 113));
            assertEquals(12L, rt.usableSize(p + 100), "from an interior pointer to the block's end");
            assertThrows(IllegalArgumentException.class, () -> rt.segment(p + 100, 13));
            rt.objectFree(p);
        }
    }

    @Test
    void aStackThatKnowsNoSizeLeavesTheLengthToTheCaller() {
        try (PyMemRuntime rt = PyMemRuntime.create("pymalloc")) {
            long raw = rt.rawMalloc(100); // libc's: its size is not known
            assertEquals(UsableSize.UNKNOWN, rt.usableSize(raw));
            assertEquals(200L, rt.segment(raw, 200).byteSize());
            rt.rawFree(raw);
        }
    }

    @Test
    void aDebugStackKnowsTheSizeOfAnAlignedBlock() {
        try (PyMemRuntime rt = PyMemRuntime.create("pymalloc_debug")) {
            long p = rt.alignedMalloc(PyMemAllocatorDomain.MEM, 64, 30);
            assertEquals(30L, rt.usableSize(p));
            assertThrows(IllegalArgumentException.class, () -> rt.segment(p, 31));
            rt.memFree(p);
        }
    }
}
