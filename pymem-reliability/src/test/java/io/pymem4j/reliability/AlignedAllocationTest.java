package io.pymem4j.reliability;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.debug.DebugHook;
import io.pymem4j.pymalloc.Pymalloc;
import io.pymem4j.runtime.PyMemRuntime;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code alignedMalloc} on every stack family: the block is aligned, wholly writable, and
 * freed with the domain's own free; a debug layer finds its pads intact and counts it back
 * to zero. Bad alignments are refused with a message that says what is allowed.
 */
class AlignedAllocationTest {

    static Stream<String> stacks() {
        return Stream.of("malloc", "pymalloc", "malloc_debug", "pymalloc_debug", "mimalloc", "mimalloc_debug",
                "pymalloc+debug+tracemalloc", "pymalloc+failing", "pymalloc_debug+failing");
    }

    private static PyMemRuntime start(String stack) {
        return PyMemRuntime.builder().allocator(stack).option("debug.policy", "throw").build();
    }

    @ParameterizedTest
    @MethodSource("stacks")
    void blocksAreAlignedWritableAndFreedByTheDomainsFree(String stack) {
        try (PyMemRuntime rt = start(stack)) {
            for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
                for (long alignment : new long[]{32, 64, 4096}) {
                    for (long size : new long[]{0, 1, 24, 100, 512, 5000}) {
                        long p = rt.alignedMalloc(d, alignment, size);
                        assertNotEquals(0L, p, d + " " + alignment + " " + size);
                        assertEquals(0L, p % alignment, d + " alignment " + alignment + ", size " + size);
                        NativeMemory.fill(p, size, (byte) 0x5A);
                        rt.free(d, p);
                    }
                }
            }
            DebugHook.of(rt).ifPresent(h -> assertEquals(0, h.liveBlocks()));
        }
    }

    @ParameterizedTest
    @MethodSource("stacks")
    void anAlignedBlockReallocatesKeepingItsContent(String stack) {
        try (PyMemRuntime rt = start(stack)) {
            long p = rt.alignedMalloc(PyMemAllocatorDomain.MEM, 64, 40);
            NativeMemory.fill(p, 40, (byte) 7);
            long q = rt.realloc(PyMemAllocatorDomain.MEM, p, 1000);
            assertEquals(-1L, NativeMemory.findNot(q, 40, (byte) 7));
            rt.free(PyMemAllocatorDomain.MEM, q);
            DebugHook.of(rt).ifPresent(h -> assertEquals(0, h.liveBlocks()));
        }
    }

    @ParameterizedTest
    @MethodSource("stacks")
    void aSegmentAllocatorTakesAlignmentsOf32And64(String stack) {
        try (PyMemRuntime rt = start(stack)) {
            SegmentAllocator segments = rt.segmentAllocator(PyMemAllocatorDomain.OBJ);
            for (long alignment : new long[]{16, 32, 64}) {
                MemorySegment s = segments.allocate(100, alignment);
                assertEquals(0L, s.address() % alignment);
                assertEquals(100L, s.byteSize());
                s.fill((byte) 1);
                rt.free(PyMemAllocatorDomain.OBJ, s);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -16, 3, 48, 8192, 1L << 40})
    void aBadAlignmentIsRefusedNamingWhatIsAllowed(long alignment) {
        try (PyMemRuntime rt = start("pymalloc")) {
            String expected = "alignment " + alignment + " is not a power of two from 1 to the page size ("
                    + PyMemRuntime.pageSize() + ")";
            assertEquals(expected, assertThrows(IllegalArgumentException.class,
                    () -> rt.alignedMalloc(PyMemAllocatorDomain.MEM, alignment, 8)).getMessage());
            assertEquals(expected, assertThrows(IllegalArgumentException.class,
                    () -> rt.segmentAllocator(PyMemAllocatorDomain.MEM).allocate(8, alignment)).getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"pymalloc", "pymalloc_debug"})
    void pymallocServesStrictAlignmentsFromItsRawBackendAndCountsThem(String stack) {
        try (PyMemRuntime rt = start(stack)) {
            Pymalloc pm = Pymalloc.of(rt);
            long before = pm.rawAllocatedBlocks();
            long p = rt.alignedMalloc(PyMemAllocatorDomain.OBJ, 64, 16);
            assertFalse(pm.owns(p));
            assertEquals(before + 1, pm.rawAllocatedBlocks());
            rt.objectFree(p);
            assertEquals(before, pm.rawAllocatedBlocks());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"pymalloc", "pymalloc_debug"})
    void pymallocServesAlignmentsUpTo16FromItsPools(String stack) {
        try (PyMemRuntime rt = start(stack)) {
            long p = rt.alignedMalloc(PyMemAllocatorDomain.OBJ, 16, 24);
            assertTrue(Pymalloc.of(rt).owns(p));
            rt.objectFree(p);
        }
    }

    @ParameterizedTest
    @MethodSource("stacks")
    void aNegativeSizeIsNull(String stack) {
        try (PyMemRuntime rt = start(stack)) {
            assertEquals(0L, rt.alignedMalloc(PyMemAllocatorDomain.MEM, 64, -1));
        }
    }
}
