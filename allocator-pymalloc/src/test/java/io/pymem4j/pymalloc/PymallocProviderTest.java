package io.pymem4j.pymalloc;

import io.pymem4j.api.AllocatorSetupException;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.raw.MmapArenaAllocator;
import io.pymem4j.runtime.PyMemRuntime;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PymallocProviderTest {

    @Test
    void oneInstanceServesMemAndObjAndRawKeepsMalloc() {
        PyMemRuntime rt = PyMemRuntime.create("pymalloc");
        try (Pymalloc pm = Pymalloc.of(rt)) {
            assertSame(pm, rt.getAllocator(PyMemAllocatorDomain.MEM));
            assertSame(pm, rt.getAllocator(PyMemAllocatorDomain.OBJ));
            assertFalse(rt.getAllocator(PyMemAllocatorDomain.RAW) instanceof Pymalloc);
            assertSame(Geometry.CPYTHON310, pm.geometry());
        }
    }

    @Test
    void theGeometryOptionSelectsThePreset() {
        PyMemRuntime rt = PyMemRuntime.builder().allocator("pymalloc").option(Geometry.OPTION, "classic").build();
        try (Pymalloc pm = Pymalloc.of(rt)) {
            assertSame(Geometry.CLASSIC, pm.geometry());
            assertTrue(pm.debugMallocStats().startsWith("Small block threshold = 512, in 64 size classes.\n"));
        }
    }

    @Test
    void anUnknownGeometryFailsTheSetUp() {
        AllocatorSetupException e = assertThrows(AllocatorSetupException.class,
                () -> PyMemRuntime.builder().allocator("pymalloc").option(Geometry.OPTION, "tiny").build());
        assertEquals("unknown pymalloc.geometry 'tiny'; known: [cpython310, classic]"
                + " (pymalloc.geometry from PyMemRuntime.Builder.option in code)", e.getMessage());
    }

    @Test
    void ofRefusesARuntimeWhoseBackendIsNotPymalloc() {
        PyMemRuntime rt = PyMemRuntime.create("malloc");
        assertTrue(Pymalloc.find(rt).isEmpty());
        assertEquals("the runtime's backend is 'malloc', not pymalloc",
                assertThrows(IllegalArgumentException.class, () -> Pymalloc.of(rt)).getMessage());
    }

    @Test
    void aFailingArenaAllocatorSetOnTheRuntimeSendsSmallRequestsToRawUntilItWorksAgain() {
        CountingArenas arenas = new CountingArenas();
        PyMemRuntime rt = PyMemRuntime.builder().allocator("pymalloc").arenaAllocator(arenas).build();
        try (Pymalloc pm = Pymalloc.of(rt)) {
            arenas.failing = true;
            long p = rt.objectMalloc(64);
            assertNotEquals(0, p);
            assertFalse(pm.owns(p));
            assertEquals(1, pm.rawAllocatedBlocks());
            rt.setArenaAllocator(MmapArenaAllocator.INSTANCE);
            long q = rt.objectMalloc(64);
            assertTrue(pm.owns(q));
            assertEquals(0, arenas.allocs);
            rt.objectFree(p);
            rt.objectFree(q);
            assertEquals(0, pm.stats().allocatedBlocks());
        }
    }

    @Test
    void statsAreReachableFromTheRuntime() {
        PyMemRuntime rt = PyMemRuntime.create("pymalloc");
        PyMemAllocatorEx mem = rt.getAllocator(PyMemAllocatorDomain.MEM);
        long a = mem.malloc(100);
        long b = rt.objectMalloc(100);
        try (Pymalloc pm = Pymalloc.of(rt)) {
            PymallocStats s = pm.stats();
            assertEquals(2, s.classes().get(6).blocksInUse());
            assertEquals(1, s.arenasAllocatedCurrent());
            assertInstanceOf(Pymalloc.class, mem);
            mem.free(a);
            mem.free(b);
        }
    }
}
