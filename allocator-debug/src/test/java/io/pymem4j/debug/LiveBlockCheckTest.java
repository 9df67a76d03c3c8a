package io.pymem4j.debug;

import io.pymem4j.api.NativeMemory;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static io.pymem4j.api.PyMemAllocatorDomain.MEM;
import static io.pymem4j.api.PyMemAllocatorDomain.OBJ;
import static io.pymem4j.debug.Fixture.corruption;
import static io.pymem4j.debug.Fixture.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code PyMemRuntime.check()}: the pads of every live block, checked without a free. */
class LiveBlockCheckTest {

    @Test
    void intactBlocksPassAndStayLive() {
        Fixture f = new Fixture();
        long p = f.allocator(MEM).malloc(16);
        long r = f.allocator(OBJ).malloc(100);
        assertEquals(0, f.runtime.check());
        assertEquals(2, f.hook.liveBlocks());
        f.allocator(MEM).free(p);
        f.allocator(OBJ).free(r);
        assertEquals(2, f.backend.frees.get());
    }

    @Test
    void anOverflowInABlockNeverFreedIsReportedAsCorruption() {
        Fixture f = new Fixture();
        long p = f.allocator(MEM).malloc(16);
        NativeMemory.putByte(p + 16, (byte) 'x');
        MemoryCorruptionError e = corruption(f.runtime::check);
        assertEquals(Problem.BAD_TRAILING_PAD, e.problem());
        assertEquals(p, e.address());
        assertEquals(MEM, e.domain());
        assertTrue(e.report().startsWith("Debug memory block at address p=" + hex(p) + ": API 'm'\n"), e.report());
        assertTrue(e.report().endsWith("\n\nEnable tracemalloc to get the memory block allocation traceback\n\n"
                + "Fatal Python error: _PyMem_DebugCheckAddress: bad trailing pad byte\n"), e.report());
        assertEquals("Buffer overflow: the bytes just past the end of the MEM block at " + hex(p)
                + " (16 bytes) were overwritten (found by PyMemRuntime.check()).\n" + e.report(), e.getMessage());
    }

    @Test
    void anOverflowInABlockNeverFreedIsReportedWhenTheRuntimeCloses() {
        Fixture f = new Fixture();
        DebugAllocator a = f.allocator(MEM);
        long p = a.malloc(16);
        NativeMemory.putByte(p + 16, (byte) 'x');
        MemoryCorruptionError e = corruption(f.runtime::close);
        assertEquals(Problem.BAD_TRAILING_PAD, e.problem());
        assertEquals(p, e.address());
        assertThrows(IllegalStateException.class, () -> a.malloc(8), "the runtime closed all the same");
    }

    @Test
    void everyDamagedBlockIsReportedTheFirstThrownWithTheOthersSuppressed() {
        Fixture f = new Fixture();
        long p = f.allocator(MEM).malloc(16);
        long r = f.allocator(OBJ).malloc(32);
        long intact = f.allocator(MEM).malloc(8);
        NativeMemory.putByte(p - 1, (byte) 'x');
        NativeMemory.putByte(r + 32, (byte) 'x');
        MemoryCorruptionError e = corruption(f.runtime::check);
        List<Problem> problems = new ArrayList<>(List.of(e.problem()));
        for (Throwable s : e.getSuppressed()) {
            problems.add(assertInstanceOf(MemoryCorruptionError.class, s).problem());
        }
        assertEquals(List.of(Problem.BAD_LEADING_PAD, Problem.BAD_TRAILING_PAD), problems.stream().sorted().toList());
        assertEquals(1, f.hook.liveBlocks(), "the damaged blocks are leaked");
        f.allocator(MEM).free(intact);
    }

    @Test
    void aDamagedBlockIsKeptFromTheBackendAndItsLaterFreeSaysSo() {
        Fixture f = new Fixture();
        DebugAllocator a = f.allocator(MEM);
        long p = a.malloc(16);
        NativeMemory.putByte(p + 16, (byte) 'x');
        corruption(f.runtime::check);
        MemoryCorruptionError e = corruption(() -> a.free(p));
        assertEquals(Problem.NOT_LIVE, e.problem());
        assertTrue(e.report().contains("\n    The block of 16 bytes made through API 'm' failed a check earlier;"
                + " it was reported and leaked.\n"), e.report());
        assertEquals(0, f.backend.frees.get());
    }

    @Test
    void underTheLogPolicyCheckReturnsHowManyBlocksWereDamaged() {
        Fixture f = new Fixture(DebugConfig.POLICY, "log");
        long p = f.allocator(MEM).malloc(16);
        long r = f.allocator(MEM).malloc(16);
        NativeMemory.putByte(p + 20, (byte) 'x');
        NativeMemory.putByte(r + 16, (byte) 'x');
        assertEquals(2, f.runtime.check());
        assertEquals(0, f.runtime.check(), "a damaged block is reported once");
    }

    @Test
    void freesRacingChecksOnOtherThreadsFreeTheirBlocksAndReportNothing() throws InterruptedException {
        Fixture f = new Fixture();
        DebugAllocator a = f.allocator(MEM);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    for (int i = 0; i < 20_000; i++) {
                        a.free(a.malloc(16 + i % 64));
                    }
                } catch (Throwable e) {
                    failed.compareAndSet(null, e);
                }
            }));
        }
        while (threads.stream().anyMatch(Thread::isAlive)) {
            assertEquals(0, f.runtime.check());
        }
        for (Thread t : threads) {
            t.join();
        }
        assertNull(failed.get());
        assertEquals(0, f.hook.liveBlocks());
        assertEquals(40_000, f.backend.frees.get());
    }
}
