package io.pymem4j.raw;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.runtime.ProviderRegistry;
import io.pymem4j.runtime.PyMemRuntime;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MallocStackTest {

    @Test
    void mallocAndMmapAreDiscoveredFromTheClassPath() {
        ProviderRegistry registry = ProviderRegistry.getDefault();
        assertEquals("backend", registry.providers().get("malloc").kind());
        assertEquals("arena", registry.providers().get("mmap").kind());
    }

    @Test
    void theMallocStackIsOneLibcInstanceInEveryDomain() {
        PyMemRuntime rt = PyMemRuntime.create("malloc");
        LibcAllocator libc = assertInstanceOf(LibcAllocator.class, rt.getAllocator(PyMemAllocatorDomain.RAW));
        for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
            assertSame(libc, rt.getAllocator(d));
        }
        assertEquals("malloc", rt.currentAllocatorName());
    }

    @Test
    void eachRuntimeHasALibcInstanceOfItsOwnWhichItsCloseCloses() {
        PyMemRuntime rt = PyMemRuntime.create("malloc");
        PyMemRuntime other = PyMemRuntime.create("malloc");
        LibcAllocator libc = (LibcAllocator) rt.getAllocator(PyMemAllocatorDomain.MEM);
        LibcAllocator otherLibc = (LibcAllocator) other.getAllocator(PyMemAllocatorDomain.MEM);
        assertNotSame(libc, otherLibc);
        assertNotSame(LibcAllocator.INSTANCE, libc);
        long p = libc.malloc(10);

        rt.close();

        assertEquals("malloc: the runtime of this allocator is closed",
                assertThrows(IllegalStateException.class, () -> libc.malloc(10)).getMessage());
        assertThrows(IllegalStateException.class, () -> libc.calloc(1, 1));
        assertThrows(IllegalStateException.class, () -> libc.realloc(p, 20));
        assertThrows(IllegalStateException.class, () -> libc.alignedMalloc(64, 20));
        assertThrows(IllegalStateException.class, () -> libc.free(p));
        otherLibc.free(otherLibc.malloc(10)); // the other runtime's instance is open
        LibcAllocator.INSTANCE.free(p); // the block itself stays libc's: a free through libc is fine
        other.close();
    }

    @Test
    void libcAlignsThroughAlignedAlloc() {
        LibcAllocator libc = LibcAllocator.INSTANCE;
        for (long alignment : new long[]{1, 16, 32, 64, 4096}) {
            long p = libc.alignedMalloc(alignment, 100);
            assertEquals(0L, p % alignment);
            long q = libc.realloc(p, 10_000); // glibc takes aligned_alloc's blocks as any
            libc.free(q);
        }
        assertEquals(0L, libc.alignedMalloc(64, -1));
    }

    @Test
    void theSharedInstanceIgnoresClose() {
        LibcAllocator.INSTANCE.close();
        LibcAllocator.INSTANCE.free(LibcAllocator.INSTANCE.malloc(1));
    }

    @Test
    void aRuntimeStartsWithTheMmapArenaAllocator() {
        assertSame(MmapArenaAllocator.INSTANCE, PyMemRuntime.create("malloc").getArenaAllocator());
    }

    @Test
    void theDefaultRuntimeIsSetUpFromTheSystemProperty() {
        // The only test in this JVM that touches the process-wide runtime.
        System.setProperty(PyMemRuntime.MALLOC_PROPERTY, "malloc");
        try {
            PyMemRuntime rt = PyMemRuntime.getDefault();
            assertEquals("malloc", rt.currentAllocatorName());
            assertSame(rt, PyMemRuntime.getDefault());
        } finally {
            System.clearProperty(PyMemRuntime.MALLOC_PROPERTY);
        }
    }

    @Test
    void anUnknownNameFromConfigurationNamesTheSettingAndTheKnownNames() {
        var e = assertThrows(IllegalArgumentException.class, () -> PyMemRuntime.create("tcmalloc"));
        assertTrue(e.getMessage().startsWith("unknown allocator 'tcmalloc'; known: CPython names default, debug,"), e.getMessage());
        assertTrue(e.getMessage().contains("backends malloc"), e.getMessage());
    }

    @Test
    void anArenaIsMappedWritableAndUnmapped() {
        long size = 1 << 20;
        long arena = MmapArenaAllocator.INSTANCE.alloc(size);
        assertNotEquals(0, arena);
        assertEquals(0, arena & 4095, "page-aligned");
        io.pymem4j.api.NativeMemory.putLong(arena + size - 8, 99L);
        assertEquals(99L, io.pymem4j.api.NativeMemory.getLong(arena + size - 8));
        MmapArenaAllocator.INSTANCE.free(arena, size);
    }

    @Test
    void anArenaThatCannotBeMappedIsNull() {
        assertEquals(0, MmapArenaAllocator.INSTANCE.alloc(1L << 62));
        assertEquals(0, MmapArenaAllocator.INSTANCE.alloc(-4096));
    }

    @Test
    void unmappingSomethingThatIsNotAMappingIsAnError() {
        var e = assertThrows(IllegalArgumentException.class, () -> MmapArenaAllocator.INSTANCE.free(12345, 4096));
        assertEquals("munmap(0x3039, 4096) failed: not an arena this allocator mapped", e.getMessage());
    }
}
