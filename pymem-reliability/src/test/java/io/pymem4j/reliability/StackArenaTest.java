package io.pymem4j.reliability;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.debug.DebugHook;
import io.pymem4j.runtime.PyMemRuntime;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An {@link Arena} on a stack behaves as the JDK's: its segments die with it, a confined one
 * admits its owner thread only, and its close frees every block it took from the stack.
 */
class StackArenaTest {

    /** A debug stack, whose layer counts the live blocks the arena holds. */
    private static PyMemRuntime debugRuntime() {
        return PyMemRuntime.builder().allocator("pymalloc_debug").option("debug.policy", "throw").build();
    }

    private static int live(PyMemRuntime rt) {
        return DebugHook.of(rt).orElseThrow().liveBlocks();
    }

    @Test
    void closeFreesEveryBlockTheArenaTookFromTheStack() {
        try (PyMemRuntime rt = debugRuntime()) {
            Arena arena = rt.arena(PyMemAllocatorDomain.MEM);
            arena.allocate(10);
            arena.allocate(1000);
            arena.allocate(100, 64);
            assertEquals(3, live(rt));

            arena.close();

            assertEquals(0, live(rt));
        }
    }

    @Test
    void aSegmentUsedAfterItsArenaClosedThrowsIllegalStateAsAJdkArenasDoes() {
        try (PyMemRuntime rt = debugRuntime()) {
            MemorySegment s;
            try (Arena arena = rt.arena(PyMemAllocatorDomain.OBJ)) {
                s = arena.allocate(ValueLayout.JAVA_LONG);
                s.set(ValueLayout.JAVA_LONG, 0, 42);
                assertEquals(42L, s.get(ValueLayout.JAVA_LONG, 0));
            }
            MemorySegment dead = s;
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> dead.get(ValueLayout.JAVA_LONG, 0));
            assertEquals("Already closed", e.getMessage());
            assertFalse(dead.scope().isAlive());
        }
    }

    @Test
    void theArenasSegmentsHaveItsScopeAndAreZeroed() {
        try (PyMemRuntime rt = debugRuntime(); Arena arena = rt.arena(PyMemAllocatorDomain.MEM)) {
            MemorySegment s = arena.allocate(100);
            assertEquals(arena.scope(), s.scope());
            assertEquals(100L, s.byteSize());
            assertEquals(-1L, s.mismatch(MemorySegment.ofArray(new byte[100])));
        }
    }

    @Test
    void anArenaAllocatesAtTheAlignmentAsked() {
        try (PyMemRuntime rt = debugRuntime(); Arena arena = rt.arena(PyMemAllocatorDomain.MEM)) {
            for (long alignment : new long[]{1, 8, 16, 32, 64, 4096}) {
                assertEquals(0L, arena.allocate(24, alignment).address() % alignment, "alignment " + alignment);
            }
        }
    }

    @Test
    void aConfinedArenaRefusesOtherThreadsWithWrongThreadException() throws Exception {
        try (PyMemRuntime rt = debugRuntime(); Arena arena = rt.arena(PyMemAllocatorDomain.MEM)) {
            MemorySegment s = arena.allocate(8);
            for (Runnable call : new Runnable[]{() -> arena.allocate(8), () -> s.get(ValueLayout.JAVA_BYTE, 0), arena::close}) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> CompletableFuture.runAsync(call).get());
                assertInstanceOf(WrongThreadException.class, e.getCause());
            }
            assertEquals(1, live(rt), "nothing taken from the stack by the refused allocation");
        }
    }

    @Test
    void aSharedArenaServesEveryThreadAndAnyThreadMayCloseIt() throws Exception {
        try (PyMemRuntime rt = debugRuntime()) {
            Arena arena = rt.sharedArena(PyMemAllocatorDomain.RAW);
            MemorySegment mine = arena.allocate(16);
            MemorySegment theirs = CompletableFuture.supplyAsync(() -> arena.allocate(16)).get();
            theirs.set(ValueLayout.JAVA_BYTE, 0, (byte) 7);
            mine.set(ValueLayout.JAVA_BYTE, 0, theirs.get(ValueLayout.JAVA_BYTE, 0));
            assertEquals(2, live(rt));

            CompletableFuture.runAsync(arena::close).get();

            assertEquals(0, live(rt));
            assertThrows(IllegalStateException.class, () -> mine.get(ValueLayout.JAVA_BYTE, 0));
        }
    }

    @Test
    void aClosedArenaRefusesToAllocateOrCloseAgain() {
        try (PyMemRuntime rt = debugRuntime()) {
            Arena arena = rt.arena(PyMemAllocatorDomain.MEM);
            arena.close();
            assertEquals("Already closed", assertThrows(IllegalStateException.class, () -> arena.allocate(8)).getMessage());
            assertThrows(IllegalStateException.class, arena::close);
            assertEquals(0, live(rt));
        }
    }

    @Test
    void anArenaOutlivingItsRuntimeRefusesToAllocate() {
        PyMemRuntime rt = debugRuntime();
        Arena arena = rt.arena(PyMemAllocatorDomain.MEM);
        MemorySegment s = arena.allocate(8);
        rt.close();

        assertThrows(IllegalStateException.class, () -> arena.allocate(8));
        assertThrows(IllegalStateException.class, arena::close);
        assertFalse(s.scope().isAlive(), "the arena's close closed its scope before the frees were refused");
        assertTrue(rt.isClosed());
    }
}
