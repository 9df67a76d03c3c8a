package io.pymem4j.debug;

import io.pymem4j.api.AllocatorSetupException;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.runtime.ProviderRegistry;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.spi.HookProvider;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The provider, its discovery and the stack names it takes part in. */
class StackNamesTest {

    @Test
    void providerIsDiscoveredThroughMetaInfServices() {
        ProviderRegistry registry = ProviderRegistry.getDefault();
        assertTrue(registry.has("debug", HookProvider.class));
        assertInstanceOf(DebugHookProvider.class, registry.hook("debug"));
    }

    @Test
    void debugLayerIsNotTransparent() {
        assertFalse(new DebugHookProvider().transparent());
        assertEquals("hook", new DebugHookProvider().kind());
    }

    @Test
    void mallocDebugIsNamedMallocDebug() {
        assertEquals("malloc_debug", PyMemRuntime.create("malloc_debug").currentAllocatorName());
    }

    @Test
    void mallocPlusDebugResolvesToMallocDebug() {
        assertEquals("malloc_debug", PyMemRuntime.create("malloc+debug").currentAllocatorName());
    }

    @Test
    void debugIsTheDefaultBackendWithTheHooks() {
        assertEquals("malloc_debug", PyMemRuntime.create("debug").currentAllocatorName(),
                "pymalloc is not on this module's class path, so the default backend is malloc");
    }

    @Test
    void testBackendPlusDebugIsNamedTestDebug() {
        assertEquals("test_debug", new Fixture().runtime.currentAllocatorName());
    }

    @Test
    void everyDomainIsWrappedByOneSharedLayer() {
        PyMemRuntime r = PyMemRuntime.create("malloc_debug");
        DebugAllocator raw = assertInstanceOf(DebugAllocator.class, r.getAllocator(PyMemAllocatorDomain.RAW));
        DebugAllocator mem = assertInstanceOf(DebugAllocator.class, r.getAllocator(PyMemAllocatorDomain.MEM));
        DebugAllocator obj = assertInstanceOf(DebugAllocator.class, r.getAllocator(PyMemAllocatorDomain.OBJ));
        assertSame(raw.hook(), mem.hook());
        assertSame(mem.hook(), obj.hook());
        assertSame(raw.hook(), DebugHook.of(r).orElseThrow());
    }

    @Test
    void layerCannotBeAddedToAUsedRuntime() {
        PyMemRuntime r = PyMemRuntime.create("malloc");
        r.rawFree(r.rawMalloc(8));
        assertThrows(AllocatorSetupException.class, r::setupDebugHooks);
    }

    @Test
    void setupDebugHooksOnAFreshRuntimeGivesMallocDebug() {
        PyMemRuntime r = PyMemRuntime.create("malloc");
        r.setupDebugHooks();
        assertEquals("malloc_debug", r.currentAllocatorName());
    }
}
