package io.pymem4j.guard;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.pymem4j.api.NativeMemory;
import io.pymem4j.debug.BlockLayout;
import io.pymem4j.debug.DebugHook;
import io.pymem4j.debug.MemoryCorruptionError;
import io.pymem4j.debug.Problem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.Set;

import static io.pymem4j.api.PyMemAllocatorDomain.MEM;
import static io.pymem4j.guard.GuardFixture.corruption;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Freed sampled blocks in quarantine: DEADBYTE, bounded, checked when they leave; and what the log policy keeps. */
class QuarantineTest {

    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(DebugHook.REPORT_LOGGER);

    @BeforeEach
    void capture() {
        logged.start();
        logger.addAppender(logged);
    }

    @AfterEach
    void release() {
        logger.detachAppender(logged);
    }

    @Test
    void aFreedSampledBlockIsDeadbyteAndStaysInQuarantine() {
        GuardFixture f = GuardFixture.everyBlock();
        long p = f.allocator(MEM).malloc(24);
        f.allocator(MEM).free(p);
        assertEquals(-1, NativeMemory.findNot(p - 16, 24 + 32, BlockLayout.DEADBYTE));
        assertEquals(1, f.hook().quarantinedBlocks());
        assertEquals(0, f.hook().liveBlocks());
    }

    @Test
    void theQuarantineHoldsAtMostItsBoundAndChecksTheBlocksThatLeave() {
        GuardFixture f = GuardFixture.everyBlock(GuardConfig.QUARANTINE, "4");
        for (int i = 0; i < 10; i++) {
            f.allocator(MEM).free(f.allocator(MEM).malloc(32));
            assertEquals(Math.min(i + 1, 4), f.hook().quarantinedBlocks());
        }
        assertEquals(10 + 6, f.hook().checkedBlocks(), "10 frees, 6 blocks that left");
        assertEquals(0, f.hook().problemsFound());
    }

    @Test
    void aWriteAfterFreeIsReportedByTheFreeThatPushesTheBlockOut() {
        GuardFixture f = GuardFixture.everyBlock(GuardConfig.QUARANTINE, "1");
        long p = f.allocator(MEM).malloc(24);
        f.allocator(MEM).free(p);
        NativeMemory.putByte(p + 5, (byte) 1);
        long q = f.allocator(MEM).malloc(24);
        MemoryCorruptionError e = corruption(() -> f.allocator(MEM).free(q));
        assertEquals(Problem.WRITE_AFTER_FREE, e.problem());
        assertEquals(p, e.address());
        assertTrue(e.report().contains("        at p+5: 0x01 *** OUCH\n"), e.report());
        assertTrue(e.report().endsWith("Fatal Python error: _PyMem_DebugRawFree: write after free\n"), e.report());
        assertEquals(1, f.hook().quarantinedBlocks(), "q is in quarantine; p, written, is leaked");
    }

    @Test
    void checkFindsAWriteAfterFreeInQuarantine() {
        GuardFixture f = GuardFixture.everyBlock(GuardConfig.POLICY, "log");
        long p = f.allocator(MEM).malloc(24);
        f.allocator(MEM).free(p);
        NativeMemory.putByte(p - 16, (byte) 0);
        assertEquals(1, f.hook().check());
        assertEquals(0, f.hook().check(), "reported once: the block is leaked");
        assertEquals(1, logged.list.size());
        assertTrue(logged.list.getFirst().getFormattedMessage().contains("        at p-16: 0x00 *** OUCH\n"));
    }

    @Test
    void checkFindsAnOverflowOfALiveBlock() {
        GuardFixture f = GuardFixture.everyBlock();
        long p = f.allocator(MEM).malloc(24);
        NativeMemory.putByte(p + 24, (byte) 0);
        MemoryCorruptionError e = corruption(() -> f.hook().check());
        assertEquals(Problem.BAD_TRAILING_PAD, e.problem());
        assertEquals("Fatal Python error: _PyMem_DebugCheckAddress: bad trailing pad byte", e.fatalError());
    }

    @Test
    void aDoubleFreeIsNamedAfterTheBlockLeftTheQuarantine() {
        GuardFixture f = GuardFixture.everyBlock(GuardConfig.QUARANTINE, "0");
        long p = f.allocator(MEM).malloc(24);
        f.allocator(MEM).free(p);
        assertEquals(0, f.hook().quarantinedBlocks());
        assertEquals(Problem.DOUBLE_FREE, corruption(() -> f.allocator(MEM).free(p)).problem());
    }

    @Test
    void underLogABadBlocksSlotIsNeverHandedOutAgain() {
        GuardFixture f = GuardFixture.everyBlock(GuardConfig.POLICY, "log", GuardConfig.SLOTS, "4",
                GuardConfig.QUARANTINE, "0");
        long bad = f.allocator(MEM).malloc(24);
        NativeMemory.putByte(bad + 24, (byte) 0);
        f.allocator(MEM).free(bad);
        Set<Long> later = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            long p = f.allocator(MEM).malloc(24);
            later.add(p);
            f.allocator(MEM).free(p);
        }
        assertFalse(later.contains(bad));
        assertEquals(3, later.size(), "the three other slots");
        f.allocator(MEM).free(bad);
        assertEquals(2, logged.list.size(), "the overflow, then the free of the leaked block");
        assertTrue(logged.list.get(1).getFormattedMessage().contains(
                "    The block of 24 bytes made through API 'm' failed a check earlier; it was reported and leaked.\n"));
        assertEquals(0, f.backend.freed.size(), "nothing of the region reached the layer below");
    }

    @Test
    void theLogEventCarriesTheFreeingStack() {
        GuardFixture f = GuardFixture.everyBlock(GuardConfig.POLICY, "log");
        long p = f.allocator(MEM).malloc(24);
        NativeMemory.putByte(p + 24, (byte) 0);
        f.allocator(MEM).free(p);
        String message = logged.list.getFirst().getFormattedMessage();
        assertTrue(message.contains("Fatal Python error: _PyMem_DebugRawFree: bad trailing pad byte\n\nCurrent thread 0x"),
                message);
        assertTrue(message.contains("(most recent call first):\n  at io.pymem4j.guard.GuardAllocator.free("), message);
        assertTrue(message.contains("  at io.pymem4j.guard.QuarantineTest.theLogEventCarriesTheFreeingStack("), message);
    }

    @Test
    void slotsAreReusedOldestFirst() {
        GuardFixture f = GuardFixture.everyBlock(GuardConfig.SLOTS, "3", GuardConfig.QUARANTINE, "0");
        long a = f.allocator(MEM).malloc(8);
        f.allocator(MEM).free(a);
        long b = f.allocator(MEM).malloc(8);
        assertNotEquals(a, b, "slot 0 waits behind the two never used");
    }
}
