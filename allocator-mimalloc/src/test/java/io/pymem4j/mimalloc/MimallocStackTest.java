package io.pymem4j.mimalloc;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.debug.MemoryCorruptionError;
import io.pymem4j.debug.Problem;
import io.pymem4j.runtime.ProviderRegistry;
import io.pymem4j.runtime.PyMemManagement;
import io.pymem4j.runtime.PyMemRuntime;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MimallocStackTest {

    @Test
    void mimallocIsDiscoveredThroughServiceLoaderAsAnAvailableBackend() {
        var provider = ProviderRegistry.getDefault().providers().get("mimalloc");
        assertInstanceOf(MimallocProvider.class, provider);
        assertEquals("backend", provider.kind());
        assertTrue(provider.availability().available(), provider.availability().reason());
    }

    @Test
    void theMimallocStackServesMemAndObjWithMimallocAndRawWithMalloc() {
        PyMemRuntime rt = PyMemRuntime.create("mimalloc");
        assertEquals("mimalloc", rt.currentAllocatorName());
        assertEquals("malloc", rt.getAllocator(PyMemAllocatorDomain.RAW).toString());
        MimallocAllocator mi = assertInstanceOf(MimallocAllocator.class, rt.getAllocator(PyMemAllocatorDomain.MEM));
        assertSame(mi, rt.getAllocator(PyMemAllocatorDomain.OBJ));
    }

    @Test
    void aClosedRuntimesMimallocRefusesEveryCall() {
        PyMemRuntime rt = PyMemRuntime.create("mimalloc");
        MimallocAllocator mi = (MimallocAllocator) rt.getAllocator(PyMemAllocatorDomain.MEM);
        long p = mi.malloc(10);

        rt.close();

        assertEquals("mimalloc: the runtime of this allocator is closed",
                assertThrows(IllegalStateException.class, () -> mi.malloc(10)).getMessage());
        assertThrows(IllegalStateException.class, () -> mi.calloc(1, 1));
        assertThrows(IllegalStateException.class, () -> mi.realloc(p, 20));
        assertThrows(IllegalStateException.class, () -> mi.alignedMalloc(64, 20));
        assertThrows(IllegalStateException.class, () -> mi.free(p));
        MimallocAllocator.INSTANCE.free(p); // the block stays mimalloc's
    }

    @Test
    void mimallocAlignsThroughMiMallocAligned() {
        MimallocAllocator mi = MimallocAllocator.INSTANCE;
        for (long alignment : new long[]{1, 16, 32, 64, 4096}) {
            long p = mi.alignedMalloc(alignment, 24);
            assertEquals(0L, p % alignment);
            mi.free(p);
        }
    }

    @Test
    void mimallocDebugIsTheDebugHooksOverMimallocAsInCpython313() {
        PyMemRuntime rt = PyMemRuntime.create("mimalloc_debug");
        assertEquals("mimalloc_debug", rt.currentAllocatorName());
        assertEquals("mimalloc", rt.stackSpec().backend());
        assertEquals(List.of("debug"), rt.stackSpec().hooks());
        assertInstanceOf(MimallocAllocator.class, rt.findBackend(MimallocAllocator.class).orElseThrow());
    }

    @Test
    void mimallocDebugReportsABufferOverflowOfAMimallocBlock() {
        PyMemRuntime rt = PyMemRuntime.create("mimalloc_debug");
        long p = rt.memMalloc(16);
        NativeMemory.putByte(p + 16, (byte) 'x');
        var e = assertThrows(MemoryCorruptionError.class, () -> rt.memFree(p));
        assertEquals(Problem.BAD_TRAILING_PAD, e.problem());
        assertEquals("Fatal Python error: _PyMem_DebugRawFree: bad trailing pad byte", e.fatalError());
    }

    @Test
    void usableSizeIsTheSizeClassAtLeastTheRequest() {
        MimallocAllocator mi = MimallocAllocator.INSTANCE;
        long p = mi.malloc(100);
        long usable = mi.usableSize(p);
        assertTrue(usable >= 100 && usable < 200, "usable size " + usable);
        NativeMemory.fill(p, usable, (byte) 7);
        mi.free(p);
        assertEquals(0, mi.usableSize(0));
    }

    @Test
    void aBlockMadeByOneThreadIsFreedByAnother() {
        MimallocAllocator mi = MimallocAllocator.INSTANCE;
        long[] blocks = CompletableFuture.supplyAsync(() -> {
            long[] b = new long[1000];
            for (int i = 0; i < b.length; i++) {
                b[i] = mi.malloc(48);
                NativeMemory.putLong(b[i], i);
            }
            return b;
        }).join();
        for (int i = 0; i < blocks.length; i++) {
            assertEquals(i, NativeMemory.getLong(blocks[i]));
            mi.free(blocks[i]);
        }
    }

    @Test
    void theVersionIsTheLoadedLibrarys() {
        assertTrue(MimallocAllocator.INSTANCE.version().matches("2\\.\\d\\.\\d+"), MimallocAllocator.INSTANCE.version());
    }

    @Test
    void theRuntimeBeanShowsMimallocsProcessFigures() {
        PyMemRuntime rt = PyMemRuntime.create("mimalloc");
        long p = rt.memMalloc(1 << 20);
        NativeMemory.fill(p, 1 << 20, (byte) 1);
        Map<String, Long> figures = PyMemManagement.mxBean(rt).getStatistics();
        assertEquals(List.of("mimalloc.process.commit.current", "mimalloc.process.commit.peak",
                "mimalloc.process.pageFaults", "mimalloc.process.rss.current", "mimalloc.process.rss.peak"),
                List.copyOf(figures.keySet()));
        assertTrue(figures.get("mimalloc.process.rss.current") > 1 << 20, figures.toString());
        assertTrue(figures.get("mimalloc.process.commit.current") >= 1 << 20, figures.toString());
        rt.memFree(p);
    }

    @Test
    void aRuntimeWithAnotherBackendGetsNoMimallocFigures() {
        assertEquals(Map.of(), PyMemManagement.mxBean(PyMemRuntime.create("malloc")).getStatistics());
    }

    @Test
    void mallocOfZeroIsAUniqueBlockAsMimallocPromises() {
        long p = MimallocAllocator.INSTANCE.malloc(0);
        long q = MimallocAllocator.INSTANCE.malloc(0);
        assertNotEquals(0, p);
        assertNotEquals(p, q);
        MimallocAllocator.INSTANCE.free(p);
        MimallocAllocator.INSTANCE.free(q);
    }
}
