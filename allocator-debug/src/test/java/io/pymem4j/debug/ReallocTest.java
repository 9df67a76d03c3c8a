package io.pymem4j.debug;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.testkit.AllocatorContractTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import static io.pymem4j.api.PyMemAllocatorDomain.MEM;
import static io.pymem4j.debug.Fixture.corruption;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** Debug realloc (CPython section 4.2): content kept, growth clean, the old block dead. */
class ReallocTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"10, 100", "100, 10", "100, 129", "129, 100", "300, 1000", "1000, 300", "1000, 130", "1000, 40", "200, 200"})
    void contentIsKeptUpToTheSmallerSize(long from, long to) {
        Fixture f = new Fixture();
        DebugAllocator a = f.allocator(MEM);
        long p = a.malloc(from);
        AllocatorContractTest.stamp(p, from);
        long q = a.realloc(p, to);
        assertNotEquals(0, q);
        AllocatorContractTest.assertStamped(q, Math.min(from, to));
        assertEquals(to, BlockLayout.readSize(q));
        assertEquals(-1, NativeMemory.findNot(q + to, 8, BlockLayout.FORBIDDENBYTE));
        a.free(q);
    }

    @ParameterizedTest
    @EnumSource(PyMemAllocatorDomain.class)
    void growthIsFilledWithCleanbyte(PyMemAllocatorDomain d) {
        Fixture f = new Fixture();
        DebugAllocator a = f.allocator(d);
        long p = a.malloc(300);
        NativeMemory.fill(p, 300, (byte) 1);
        long q = a.realloc(p, 1000);
        assertEquals(-1, NativeMemory.findNot(q, 300, (byte) 1));
        assertEquals(-1, NativeMemory.findNot(q + 300, 700, BlockLayout.CLEANBYTE));
        a.free(q);
    }

    @Test
    void theBlockLeftBehindHasDeadHeaderTrailerAndEnds() {
        Fixture f = new Fixture();
        DebugAllocator a = f.allocator(MEM);
        long p = a.malloc(300);
        NativeMemory.fill(p, 300, (byte) 1);
        long q = a.realloc(p, 1000);
        assertNotEquals(p, q, "the test backend always moves");
        assertEquals(-1, NativeMemory.findNot(p - 16, 16 + 64, BlockLayout.DEADBYTE), "header and first 64 bytes");
        assertEquals(-1, NativeMemory.findNot(p + 300 - 64, 64 + 16, BlockLayout.DEADBYTE), "last 64 bytes and trailer");
        assertEquals(-1, NativeMemory.findNot(p + 64, 300 - 128, (byte) 1), "the middle is not erased, as in CPython");
        a.free(q);
    }

    @Test
    void failedReallocLeavesTheBlockValidAndCheckable() {
        Fixture f = new Fixture();
        DebugAllocator a = f.allocator(MEM);
        long p = a.malloc(200);
        NativeMemory.fill(p, 200, (byte) 3);
        assertEquals(0, a.realloc(p, TestBackend.LIMIT));
        assertEquals(-1, NativeMemory.findNot(p, 200, (byte) 3));
        assertEquals(1, f.hook.liveBlocks());
        a.free(p);
        assertEquals(1, f.backend.frees.get());
    }

    @Test
    void reallocOfACorruptBlockReportsDebugRawReallocAndLeaksIt() {
        Fixture f = new Fixture();
        DebugAllocator a = f.allocator(MEM);
        long p = a.malloc(16);
        NativeMemory.putByte(p + 16, (byte) 'x');
        MemoryCorruptionError e = corruption(() -> a.realloc(p, 32));
        assertEquals("Fatal Python error: _PyMem_DebugRawRealloc: bad trailing pad byte", e.fatalError());
        assertEquals(0, f.backend.frees.get());
        assertEquals(0, f.hook.liveBlocks());
    }

    @Test
    void reallocThroughAnotherDomainIsABadId() {
        Fixture f = new Fixture();
        long p = f.allocator(PyMemAllocatorDomain.OBJ).malloc(16);
        MemoryCorruptionError e = corruption(() -> f.allocator(MEM).realloc(p, 32));
        assertEquals("Fatal Python error: _PyMem_DebugRawRealloc: bad ID: Allocated using API 'o', verified using API 'm'",
                e.fatalError());
    }

    @Test
    void reallocAboveTheLimitReturnsNullAndKeepsTheBlock() {
        Fixture f = new Fixture();
        DebugAllocator a = f.allocator(MEM);
        long p = a.malloc(16);
        int requests = f.backend.requests.size();
        assertEquals(0, a.realloc(p, Long.MAX_VALUE - 31));
        assertEquals(0, a.realloc(p, -5));
        assertEquals(requests, f.backend.requests.size());
        a.free(p);
    }
}
