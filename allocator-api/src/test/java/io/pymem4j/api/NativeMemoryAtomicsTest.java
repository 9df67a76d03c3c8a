package io.pymem4j.api;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NativeMemoryAtomicsTest {

    private final Arena arena = Arena.ofConfined();
    private final long word = arena.allocate(16, 8).address();

    @AfterEach
    void close() {
        arena.close();
    }

    @Test
    void compareAndSetReplacesTheExpectedValueOnly() {
        NativeMemory.putLong(word, 7);
        assertFalse(NativeMemory.compareAndSetLong(word, 8, 9));
        assertEquals(7, NativeMemory.getLongVolatile(word));
        assertTrue(NativeMemory.compareAndSetLong(word, 7, 9));
        assertEquals(9, NativeMemory.getLong(word));
    }

    @Test
    void getAndSetReturnsTheOldValue() {
        NativeMemory.putLong(word, 0x1234_5678_9abc_def0L);
        assertEquals(0x1234_5678_9abc_def0L, NativeMemory.getAndSetLong(word, 0));
        assertEquals(0, NativeMemory.getLongVolatile(word));
    }

    @Test
    void anAtomicAccessToAMisalignedWordIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> NativeMemory.compareAndSetLong(word + 4, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> NativeMemory.getAndSetLong(word + 1, 0));
        assertThrows(IllegalArgumentException.class, () -> NativeMemory.getLongVolatile(word + 2));
    }
}
