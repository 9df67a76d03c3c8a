package io.pymem4j.debug;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.spi.BlockLimit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static io.pymem4j.api.PyMemAllocatorDomain.MEM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The block layout of CPython's section 4.1 and the size edges of section 1.5. */
class LayoutTest {

    @ParameterizedTest
    @EnumSource(PyMemAllocatorDomain.class)
    void mallocWritesSizeIdPadsCleanDataPadsAndSerial(PyMemAllocatorDomain d) {
        Fixture f = new Fixture();
        long p = f.allocator(d).malloc(5);
        long b = p - 16;
        assertEquals(5 + 32, f.backend.lastRequest());
        assertEquals(5, NativeMemory.getLongBigEndian(b));
        assertEquals(0, NativeMemory.getByte(b), "the size is big-endian: its first byte is the high one");
        assertEquals((byte) d.apiId(), NativeMemory.getByte(b + 8));
        assertEquals(-1, NativeMemory.findNot(b + 9, 7, BlockLayout.FORBIDDENBYTE));
        assertEquals(-1, NativeMemory.findNot(p, 5, BlockLayout.CLEANBYTE));
        assertEquals(-1, NativeMemory.findNot(p + 5, 8, BlockLayout.FORBIDDENBYTE));
        assertEquals(1, NativeMemory.getLongBigEndian(p + 13));
    }

    @Test
    void userPointerKeepsTheBackendsSixteenByteAlignment() {
        Fixture f = new Fixture();
        for (long size : new long[]{0, 1, 15, 16, 17, 100}) {
            assertEquals(0, f.allocator(MEM).malloc(size) & 15, "malloc(" + size + ")");
        }
    }

    @Test
    void serialNumbersCountEveryMallocCallocAndRealloc() {
        Fixture f = new Fixture();
        DebugAllocator a = f.allocator(MEM);
        long p = a.malloc(8);
        long q = a.calloc(2, 4);
        long r = a.realloc(p, 100);
        assertEquals(2, BlockLayout.readSerial(q, 8));
        assertEquals(3, BlockLayout.readSerial(r, 100));
        assertEquals(3, f.hook.serialNumber());
    }

    @Test
    void withoutSerialNumbersTheOverheadIsCPythonsThreeWords() {
        Fixture f = new Fixture(DebugConfig.SERIALNO, "false");
        long p = f.allocator(MEM).malloc(16);
        assertEquals(16 + 24, f.backend.lastRequest());
        assertEquals(24, f.hook.layout().extraBytes());
        NativeMemory.putByte(p + 16, (byte) 'x');
        MemoryCorruptionError e = Fixture.corruption(() -> f.allocator(MEM).free(p));
        assertFalse(e.report().contains("The block was made by call #"), e.report());
    }

    @Test
    void callocDataIsZeroNotCleanbyte() {
        Fixture f = new Fixture();
        long p = f.allocator(MEM).calloc(10, 3);
        assertEquals(-1, NativeMemory.findNot(p, 30, (byte) 0));
        assertEquals(-1, NativeMemory.findNot(p + 30, 8, BlockLayout.FORBIDDENBYTE));
        assertEquals(30 + 32, f.backend.lastRequest());
    }

    @Test
    void mallocOfZeroAsksForTheOverheadOnlyAndGivesDistinctPointers() {
        Fixture f = new Fixture();
        DebugAllocator a = f.allocator(MEM);
        long p = a.malloc(0);
        assertEquals(32, f.backend.lastRequest());
        long q = a.malloc(0);
        assertNotEquals(0, p);
        assertNotEquals(p, q);
        assertEquals(-1, NativeMemory.findNot(p, 8, BlockLayout.FORBIDDENBYTE), "the trailing pads follow p at once");
        a.free(p);
        a.free(q);
    }

    @Test
    void requestAboveSsizeMaxMinusExtraReturnsNullWithoutReachingTheBackend() {
        // No block limit below CPython's own: max.block at its largest.
        Fixture f = new Fixture(BlockLimit.OPTION, Long.toString(Long.MAX_VALUE));
        DebugAllocator a = f.allocator(MEM);
        int before = f.backend.requests.size();
        assertEquals(0, a.malloc(Long.MAX_VALUE - 31));
        assertEquals(0, a.calloc(1, Long.MAX_VALUE - 31));
        assertEquals(0, a.malloc(-1));
        assertEquals(before, f.backend.requests.size());
        assertEquals(0, a.malloc(Long.MAX_VALUE - 32), "the backend refuses it");
        assertEquals(Long.MAX_VALUE, f.backend.lastRequest(), "the largest request passes down");
    }

    @Test
    void requestAboveTheBlockLimitReturnsNullWithoutReachingTheBackend() {
        Fixture f = new Fixture(BlockLimit.OPTION, "1m");
        DebugAllocator a = f.allocator(MEM);
        int before = f.backend.requests.size();
        assertEquals(0, a.malloc((1L << 20) + 1));
        assertEquals(0, a.calloc(2, 1L << 20));
        assertEquals(0, a.realloc(0, 2L << 20));
        long p = a.malloc(64);
        assertEquals(0, a.realloc(p, 2L << 20));
        assertEquals(before + 1, f.backend.requests.size(), "only the 64-byte malloc reached the backend");
        assertEquals(1, f.hook.liveBlocks());
        a.free(p);
    }

    @Test
    void callocWhoseProductOverflowsReturnsNull() {
        Fixture f = new Fixture();
        int before = f.backend.requests.size();
        assertEquals(0, f.allocator(MEM).calloc(1L << 32, 1L << 32));
        assertEquals(0, f.allocator(MEM).calloc(-1, 8));
        assertEquals(before, f.backend.requests.size());
    }

    @Test
    void reallocOfNullIsADebugMalloc() {
        Fixture f = new Fixture();
        long p = f.allocator(MEM).realloc(0, 12);
        assertEquals(12, BlockLayout.readSize(p));
        assertEquals((byte) 'm', BlockLayout.readId(p));
        assertEquals(-1, NativeMemory.findNot(p, 12, BlockLayout.CLEANBYTE));
        f.allocator(MEM).free(p);
    }

    @Test
    void freeOfNullDoesNothing() {
        Fixture f = new Fixture();
        f.allocator(MEM).free(0);
        assertEquals(0, f.backend.frees.get());
    }

    @Test
    void freeFillsTheWholeBlockWithDeadbyteBeforeTheBackendGetsIt() {
        Fixture f = new Fixture();
        long p = f.allocator(MEM).malloc(20);
        f.allocator(MEM).free(p);
        assertEquals(1, f.backend.frees.get());
        assertEquals(-1, NativeMemory.findNot(p - 16, 20 + 32, BlockLayout.DEADBYTE), "the test backend keeps freed memory mapped");
    }

    @Test
    void quarantinedBlockIsDeadbyteAndHeldBack() {
        Fixture f = new Fixture(DebugConfig.QUARANTINE_BYTES, "1k");
        long p = f.allocator(MEM).malloc(16);
        NativeMemory.fill(p, 16, (byte) 7);
        f.allocator(MEM).free(p);
        assertEquals(0, f.backend.frees.get());
        assertEquals(48, f.hook.quarantinedBytes());
        assertEquals(-1, NativeMemory.findNot(p - 16, 48, BlockLayout.DEADBYTE));
        f.hook.flushQuarantine();
        assertEquals(1, f.backend.frees.get());
        assertEquals(0, f.hook.quarantinedBlocks());
    }

    @Test
    void liveBlocksCountsWhatWasHandedOutAndNotFreed() {
        Fixture f = new Fixture();
        long p = f.allocator(MEM).malloc(1);
        long q = f.allocator(PyMemAllocatorDomain.RAW).malloc(1);
        assertEquals(2, f.hook.liveBlocks());
        f.allocator(MEM).free(p);
        assertEquals(1, f.hook.liveBlocks());
        f.allocator(PyMemAllocatorDomain.RAW).free(q);
        assertEquals(0, f.hook.liveBlocks());
    }

    @Test
    void fillValuesAreTheWindowsCrtOnesThatIsPtrFreedRecognises() {
        assertEquals((byte) 0xCD, BlockLayout.CLEANBYTE);
        assertEquals((byte) 0xDD, BlockLayout.DEADBYTE);
        assertEquals((byte) 0xFD, BlockLayout.FORBIDDENBYTE);
        assertTrue(BlockLayout.isPtrFreed(0));
        assertTrue(BlockLayout.isPtrFreed(0xCDCDCDCDCDCDCDCDL));
        assertTrue(BlockLayout.isPtrFreed(0xDDDDDDDDDDDDDDDDL));
        assertTrue(BlockLayout.isPtrFreed(0xFDFDFDFDFDFDFDFDL));
        assertFalse(BlockLayout.isPtrFreed(0x7f0012345670L));
    }
}
