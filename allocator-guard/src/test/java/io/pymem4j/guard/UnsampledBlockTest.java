package io.pymem4j.guard;

import io.pymem4j.api.NativeMemory;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.pymem4j.api.PyMemAllocatorDomain.MEM;
import static io.pymem4j.api.PyMemAllocatorDomain.RAW;
import static io.pymem4j.guard.PatternBackend.PATTERN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** A block the guard does not sample is the layer below's: its pointer returned as is, its bytes never written. */
class UnsampledBlockTest {

    @Test
    void mallocReturnsThePointerFromBelowWithItsBytesUntouched() {
        GuardFixture f = new GuardFixture("pattern+guard", GuardConfig.SAMPLE, "0");
        GuardAllocator mem = f.allocator(MEM);
        for (int size = 0; size < 300; size += 7) {
            long p = mem.malloc(size);
            assertEquals(f.backend.returned.getLast(), p);
            assertEquals(-1, NativeMemory.findNot(p, size, PATTERN), "bytes of malloc(" + size + ")");
        }
    }

    @Test
    void freePassesThePointerDownWithoutWritingIt() {
        GuardFixture f = new GuardFixture("pattern+guard", GuardConfig.SAMPLE, "0");
        GuardAllocator mem = f.allocator(MEM);
        long p = mem.malloc(100);
        mem.free(p);
        assertEquals(List.of(p), f.backend.freed);
        assertEquals(-1, NativeMemory.findNot(p, 100, PATTERN), "no DEADBYTE fill");
    }

    @Test
    void reallocOfAnUnsampledBlockIsTheReallocBelow() {
        GuardFixture f = GuardFixture.everyBlock();
        GuardAllocator mem = f.allocator(MEM);
        long p = mem.malloc(10_000); // larger than a slot: not sampled
        long q = mem.realloc(p, 20);
        assertEquals(List.of(p), f.backend.reallocated);
        assertEquals(f.backend.returned.getLast(), q);
        assertFalse(f.hook().inRegion(q), "a realloc does not sample a block below");
        assertEquals(-1, NativeMemory.findNot(q, 20, PATTERN));
    }

    @Test
    void callocOfAnUnsampledBlockIsTheCallocBelow() {
        GuardFixture f = new GuardFixture("pattern+guard", GuardConfig.SAMPLE, "0");
        long p = f.allocator(RAW).calloc(3, 5);
        assertEquals(f.backend.returned.getLast(), p);
        assertEquals(-1, NativeMemory.findNot(p, 15, (byte) 0));
    }

    @Test
    void atTheDefaultRateTheBlocksNotSampledAreExactlyTheBackendsAndUntouched() {
        GuardFixture f = new GuardFixture("pattern+guard", GuardConfig.SAMPLE, "10", GuardConfig.SEED, "7");
        GuardAllocator mem = f.allocator(MEM);
        List<Long> unsampled = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            long p = mem.malloc(48);
            if (!f.hook().inRegion(p)) {
                assertEquals(f.backend.returned.getLast(), p);
                assertEquals(-1, NativeMemory.findNot(p, 48, PATTERN));
                unsampled.add(p);
            }
        }
        assertEquals(500, unsampled.size() + f.hook().sampledBlocks());
        assertEquals(unsampled, f.backend.returned, "every block below was handed out unchanged, and only those");
        for (long p : unsampled) {
            mem.free(p);
        }
        assertEquals(unsampled, f.backend.freed);
    }
}
