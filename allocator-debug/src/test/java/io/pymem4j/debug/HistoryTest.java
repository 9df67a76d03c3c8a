package io.pymem4j.debug;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorDomain;
import org.junit.jupiter.api.Test;

import static io.pymem4j.api.PyMemAllocatorDomain.MEM;
import static io.pymem4j.debug.Fixture.corruption;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** debug.history: which frees the layer still names, and what it does with the others. */
class HistoryTest {

    @Test
    void aFreeWithinTheHistoryIsNamedADoubleFree() {
        Fixture f = new Fixture(DebugConfig.HISTORY, "2");
        DebugAllocator a = f.allocator(MEM);
        long p = a.malloc(16);
        a.free(p);
        a.free(a.malloc(16));
        assertEquals(Problem.DOUBLE_FREE, corruption(() -> a.free(p)).problem());
    }

    @Test
    void aFreeOlderThanTheHistoryIsNoLongerNamedButStillNotPassedDown() {
        Fixture f = new Fixture(DebugConfig.HISTORY, "2");
        DebugAllocator a = f.allocator(MEM);
        long p = a.malloc(16);
        a.free(p);
        for (int i = 0; i < 4; i++) { // the thread's 2 pending frees, then the shared 2
            a.free(a.malloc(16));
        }
        MemoryCorruptionError e = corruption(() -> a.free(p));
        assertEquals(Problem.NOT_LIVE, e.problem());
        assertTrue(e.report().contains("\n    This layer did not make it, or freed it too long ago to remember"
                + " (it remembers the last 2 frees).\n"), e.report());
        assertEquals(5, f.backend.frees.get());
    }

    @Test
    void withNoHistoryASecondFreeIsReportedAndNeverPassedDown() {
        Fixture f = new Fixture(DebugConfig.HISTORY, "0");
        DebugAllocator a = f.allocator(PyMemAllocatorDomain.RAW);
        long p = a.malloc(16);
        a.free(p);
        assertEquals(Problem.NOT_LIVE, corruption(() -> a.free(p)).problem());
        assertEquals(1, f.backend.frees.get());
    }

    @Test
    void aBlockInQuarantineIsNamedADoubleFreeWhateverTheHistory() {
        Fixture f = new Fixture(DebugConfig.HISTORY, "0", DebugConfig.QUARANTINE_BYTES, "1k");
        DebugAllocator a = f.allocator(MEM);
        long p = a.malloc(16);
        a.free(p);
        for (int i = 0; i < 10; i++) {
            a.free(a.malloc(8));
        }
        assertEquals(Problem.DOUBLE_FREE, corruption(() -> a.free(p)).problem());
        assertEquals(0, f.backend.frees.get());
    }

    @Test
    void aLeakedBlockIsNamedWhateverTheHistory() {
        Fixture f = new Fixture(DebugConfig.HISTORY, "1");
        DebugAllocator a = f.allocator(MEM);
        long p = a.malloc(16);
        NativeMemory.putByte(p + 16, (byte) 'x');
        corruption(() -> a.free(p));
        for (int i = 0; i < 100; i++) {
            a.free(a.malloc(16));
        }
        MemoryCorruptionError e = corruption(() -> a.free(p));
        assertTrue(e.report().contains("\n    The block of 16 bytes made through API 'm' failed a check earlier;"
                + " it was reported and leaked.\n"), e.report());
    }

    @Test
    void eachThreadRemembersItsOwnLastFrees() throws Exception {
        Fixture f = new Fixture(DebugConfig.HISTORY, "1");
        DebugAllocator a = f.allocator(MEM);
        long p = a.malloc(16);
        a.free(a.malloc(16)); // this thread's ring exists before the other thread ends
        Thread t = Thread.ofPlatform().start(() -> a.free(p));
        t.join();
        a.free(a.malloc(16));
        assertEquals(Problem.DOUBLE_FREE, corruption(() -> a.free(p)).problem(),
                "this thread's free since does not push the other's out");
    }
}
