package io.pymem4j.debug;

import io.pymem4j.api.InterpreterLock;
import io.pymem4j.api.NativeMemory;
import io.pymem4j.runtime.PyMemRuntime;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** In GIL mode the MEM and OBJ hooks check that the caller holds the interpreter lock (test_mem.py's *_without_gil). */
class GilCheckTest {

    private static PyMemRuntime gilRuntime(String policy) {
        return PyMemRuntime.builder().allocator("malloc_debug").gil(true).option("debug.policy", policy).build();
    }

    @Test
    void memMallocWithoutTheGilIsReported() {
        PyMemRuntime rt = gilRuntime("throw");
        var e = assertThrows(MemoryCorruptionError.class, () -> rt.memMalloc(16));
        assertEquals(Problem.NO_GIL, e.problem());
        assertEquals("Fatal Python error: _PyMem_DebugMalloc: Python memory allocator called without holding the GIL\n",
                e.report());
    }

    @Test
    void objectCallocWithoutTheGilNamesTheCallocHook() {
        var e = assertThrows(MemoryCorruptionError.class, () -> gilRuntime("throw").objectCalloc(2, 8));
        assertEquals("Fatal Python error: _PyMem_DebugCalloc: Python memory allocator called without holding the GIL",
                e.fatalError());
    }

    @Test
    void freeAndReallocWithoutTheGilAreReported() {
        PyMemRuntime rt = gilRuntime("throw");
        long p;
        try (var _ = rt.interpreterLock().hold()) {
            p = rt.objectMalloc(8);
        }
        assertEquals("Fatal Python error: _PyMem_DebugRealloc: Python memory allocator called without holding the GIL",
                assertThrows(MemoryCorruptionError.class, () -> rt.objectRealloc(p, 16)).fatalError());
        assertEquals("Fatal Python error: _PyMem_DebugFree: Python memory allocator called without holding the GIL",
                assertThrows(MemoryCorruptionError.class, () -> rt.objectFree(p)).fatalError());
        try (var _ = rt.interpreterLock().hold()) {
            rt.objectFree(p);
        }
    }

    @Test
    void callsHoldingTheGilPass() {
        PyMemRuntime rt = gilRuntime("throw");
        try (var _ = rt.interpreterLock().hold()) {
            long p = rt.memMalloc(16);
            assertNotEquals(0, p);
            rt.memFree(p);
        }
    }

    @Test
    void rawCallsNeedNoGil() {
        PyMemRuntime rt = gilRuntime("throw");
        long p = rt.rawMalloc(16);
        assertNotEquals(0, p);
        rt.rawFree(p);
    }

    /** Going on would run the lock-free allocator below from two threads at once. */
    @Test
    void underTheLogPolicyAnAllocationWithoutTheGilIsRefusedWithNull() {
        PyMemRuntime rt = gilRuntime("log");
        assertEquals(0, rt.memMalloc(16));
        assertEquals(0, rt.objectCalloc(2, 8));
        assertEquals(0, rt.memRealloc(0, 16));
    }

    @Test
    void underTheLogPolicyAFreeOrReallocWithoutTheGilKeepsTheBlock() {
        PyMemRuntime rt = gilRuntime("log");
        long p;
        try (var _ = rt.interpreterLock().hold()) {
            p = rt.objectMalloc(8);
            NativeMemory.putLong(p, 0x1122334455667788L);
        }
        assertEquals(0, rt.objectRealloc(p, 4096));
        rt.objectFree(p);
        try (var _ = rt.interpreterLock().hold()) {
            assertEquals(0x1122334455667788L, NativeMemory.getLong(p));
            rt.objectFree(p); // still live: freed once, no double free reported
        }
    }

    /** An embedded CPython's hooks check its GIL whether or not pymalloc runs in GIL mode, as CPython's do. */
    @Test
    void outsideGilModeTheHooksCheckTheLockTheyAreGiven() {
        PyMemRuntime rt = PyMemRuntime.builder().allocator("malloc_debug").option("debug.policy", "throw").build();
        InterpreterLock lock = InterpreterLock.reentrant();
        DebugHook.of(rt).orElseThrow().checkInterpreterLock(lock);

        assertEquals("Fatal Python error: _PyMem_DebugMalloc: Python memory allocator called without holding the GIL",
                assertThrows(MemoryCorruptionError.class, () -> rt.memMalloc(16)).fatalError());
        assertEquals("Fatal Python error: _PyMem_DebugCalloc: Python memory allocator called without holding the GIL",
                assertThrows(MemoryCorruptionError.class, () -> rt.objectCalloc(2, 8)).fatalError());
        try (var _ = lock.hold()) {
            long p = rt.objectMalloc(8);
            assertNotEquals(0, p);
            rt.objectFree(p);
        }
        long raw = rt.rawMalloc(16);
        assertNotEquals(0, raw, "RAW is not checked");
        rt.rawFree(raw);
    }

    @Test
    void outsideGilModeWithoutALockTheHooksCheckNothing() {
        PyMemRuntime rt = PyMemRuntime.builder().allocator("malloc_debug").option("debug.policy", "throw").build();
        long p = rt.memMalloc(16);
        assertNotEquals(0, p);
        rt.memFree(p);
    }
}
