package io.pymem4j.runtime;

import io.pymem4j.api.AllocatorSetupException;
import io.pymem4j.api.InterpreterLock;
import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.api.PyObjectArenaAllocator;
import io.pymem4j.spi.Hook;
import io.pymem4j.spi.HookContext;
import io.pymem4j.spi.LiveBlockCheck;
import io.pymem4j.spi.RuntimeView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PyMemRuntimeTest {

    private static PyMemRuntime runtime(String name) {
        return PyMemRuntime.builder().registry(StackSpecTest.cpythonLike()).allocator(name).build();
    }

    private static String tagOf(PyMemAllocatorEx a) {
        return switch (a) {
            case TestBackends.Tagged t -> t.tag;
            case TestBackends.Layer l -> tagOf(l.below()) + "+" + l.name();
            default -> a.toString();
        };
    }

    @Test
    void pymallocServesMemAndObjWithOneInstanceAndRawWithMalloc() {
        PyMemRuntime rt = runtime("pymalloc");
        assertEquals("malloc", tagOf(rt.getAllocator(PyMemAllocatorDomain.RAW)));
        assertEquals("pymalloc", tagOf(rt.getAllocator(PyMemAllocatorDomain.MEM)));
        assertSame(rt.getAllocator(PyMemAllocatorDomain.MEM), rt.getAllocator(PyMemAllocatorDomain.OBJ));
    }

    @Test
    void mallocServesEveryDomainWithOneInstance() {
        PyMemRuntime rt = runtime("malloc");
        assertSame(rt.getAllocator(PyMemAllocatorDomain.RAW), rt.getAllocator(PyMemAllocatorDomain.MEM));
        assertSame(rt.getAllocator(PyMemAllocatorDomain.RAW), rt.getAllocator(PyMemAllocatorDomain.OBJ));
    }

    @Test
    void hooksWrapEveryDomainBottomFirst() {
        PyMemRuntime rt = runtime("pymalloc+debug+tracemalloc");
        assertEquals("malloc+debug+tracemalloc", tagOf(rt.getAllocator(PyMemAllocatorDomain.RAW)));
        assertEquals("pymalloc+debug+tracemalloc", tagOf(rt.getAllocator(PyMemAllocatorDomain.MEM)));
        var obj = assertInstanceOf(TestBackends.Layer.class, rt.getAllocator(PyMemAllocatorDomain.OBJ));
        assertEquals(PyMemAllocatorDomain.OBJ, obj.domain());
    }

    @Test
    void theRuntimeReportsItsStackName() {
        assertEquals("pymalloc_debug", runtime("debug").currentAllocatorName());
        assertEquals("malloc+tracemalloc", runtime("malloc+tracemalloc").currentAllocatorName());
    }

    @Test
    void convenienceCallsGoToTheirDomain() {
        PyMemRuntime rt = runtime("pymalloc");
        var raw = (TestBackends.Tagged) rt.getAllocator(PyMemAllocatorDomain.RAW);
        var pymalloc = (TestBackends.Tagged) rt.getAllocator(PyMemAllocatorDomain.MEM);
        rt.rawFree(rt.rawMalloc(10));
        rt.memFree(rt.memMalloc(10));
        rt.objectFree(rt.objectMalloc(10));
        rt.free(PyMemAllocatorDomain.OBJ, rt.malloc(PyMemAllocatorDomain.OBJ, 10));
        assertEquals(1, raw.mallocs.get());
        assertEquals(3, pymalloc.mallocs.get());
    }

    @Test
    void setAllocatorReplacesOneDomainOnly() {
        PyMemRuntime rt = runtime("pymalloc");
        PyMemAllocatorEx oldRaw = rt.getAllocator(PyMemAllocatorDomain.RAW);
        PyMemAllocatorEx oldObj = rt.getAllocator(PyMemAllocatorDomain.OBJ);
        var mine = new TestBackends.Layer("mine", PyMemAllocatorDomain.MEM, rt.getAllocator(PyMemAllocatorDomain.MEM));
        rt.setAllocator(PyMemAllocatorDomain.MEM, mine);
        assertSame(mine, rt.getAllocator(PyMemAllocatorDomain.MEM));
        assertSame(oldRaw, rt.getAllocator(PyMemAllocatorDomain.RAW));
        assertSame(oldObj, rt.getAllocator(PyMemAllocatorDomain.OBJ));
    }

    @Test
    void setAllocatorKeepsWhatAnEarlierSetAllocatorPutInAnotherDomain() {
        PyMemRuntime rt = runtime("pymalloc");
        var mem = new TestBackends.Layer("mem", PyMemAllocatorDomain.MEM, rt.getAllocator(PyMemAllocatorDomain.MEM));
        var obj = new TestBackends.Layer("obj", PyMemAllocatorDomain.OBJ, rt.getAllocator(PyMemAllocatorDomain.OBJ));
        rt.setAllocator(PyMemAllocatorDomain.MEM, mem);
        rt.setAllocator(PyMemAllocatorDomain.OBJ, obj);
        assertSame(mem, rt.getAllocator(PyMemAllocatorDomain.MEM));
        assertSame(obj, rt.getAllocator(PyMemAllocatorDomain.OBJ));
    }

    @Test
    void setAllocatorBeforeFirstUseLeavesTheOtherDomainsOnTheStack() {
        PyMemRuntime rt = runtime("pymalloc");
        var mem = new TestBackends.Layer("mine", PyMemAllocatorDomain.MEM, new TestBackends.Tagged("other"));
        rt.setAllocator(PyMemAllocatorDomain.MEM, mem);
        assertEquals("other+mine", tagOf(rt.getAllocator(PyMemAllocatorDomain.MEM)));
        assertEquals("pymalloc", tagOf(rt.getAllocator(PyMemAllocatorDomain.OBJ)));
        assertEquals("malloc", tagOf(rt.getAllocator(PyMemAllocatorDomain.RAW)));
    }

    @Test
    void theStackNameIsUnknownAfterSetAllocator() {
        PyMemRuntime rt = runtime("pymalloc");
        rt.setAllocator(PyMemAllocatorDomain.OBJ, rt.getAllocator(PyMemAllocatorDomain.RAW));
        assertNull(rt.currentAllocatorName());
        assertEquals("pymalloc", rt.stackSpec().name());
    }

    @Test
    void theArenaAllocatorCanBeReplaced() {
        PyMemRuntime rt = runtime("malloc");
        PyObjectArenaAllocator mine = new PyObjectArenaAllocator() {
            @Override
            public long alloc(long size) {
                return 0;
            }

            @Override
            public void free(long ptr, long size) {
            }
        };
        rt.setArenaAllocator(mine);
        assertSame(mine, rt.getArenaAllocator());
    }

    @Test
    void anyStackCanBeSetUpBeforeFirstUse() {
        PyMemRuntime rt = runtime("pymalloc_debug");
        rt.setupAllocators("malloc");
        assertEquals("malloc", rt.currentAllocatorName());
        assertEquals("malloc", tagOf(rt.getAllocator(PyMemAllocatorDomain.MEM)));
    }

    @Test
    void aUsedRuntimeRefusesAnotherBackend() {
        PyMemRuntime rt = runtime("pymalloc");
        long p = rt.memMalloc(16);
        var e = assertThrows(AllocatorSetupException.class, () -> rt.setupAllocators("malloc"));
        assertEquals("cannot change the allocator stack from 'pymalloc' to 'malloc' while the runtime is in use:"
                + " its backend 'malloc' is not the current backend 'pymalloc', which owns the live blocks; only"
                + " transparent hooks (such as tracemalloc) can be added or removed on a used runtime. Set the stack"
                + " up before the first allocation, or use a new runtime", e.getMessage());
        assertEquals("pymalloc", rt.currentAllocatorName());
        rt.memFree(p);
    }

    @Test
    void aUsedRuntimeRefusesToAddALayoutChangingHook() {
        PyMemRuntime rt = runtime("pymalloc");
        rt.objectFree(rt.objectMalloc(8));
        var e = assertThrows(AllocatorSetupException.class, () -> rt.setupAllocators("pymalloc_debug"));
        assertTrue(e.getMessage().contains("it adds the layer 'debug', which changes the block layout"), e.getMessage());
    }

    @Test
    void aUsedRuntimeRefusesToRemoveALayoutChangingHook() {
        PyMemRuntime rt = runtime("pymalloc_debug");
        rt.objectFree(rt.objectMalloc(8));
        var e = assertThrows(AllocatorSetupException.class, () -> rt.setupAllocators("pymalloc"));
        assertTrue(e.getMessage().contains("it removes the layer 'debug', which changes the block layout"), e.getMessage());
    }

    @Test
    void aUsedRuntimeAddsAndRemovesTransparentHooksOverTheSameLayers() {
        PyMemRuntime rt = runtime("pymalloc_debug");
        PyMemAllocatorEx before = rt.getAllocator(PyMemAllocatorDomain.MEM);
        long p = rt.memMalloc(32);
        rt.setupAllocators("pymalloc+debug+tracemalloc");
        var traced = assertInstanceOf(TestBackends.Layer.class, rt.getAllocator(PyMemAllocatorDomain.MEM));
        assertEquals("tracemalloc", traced.name());
        assertSame(before, traced.below());
        rt.setupAllocators("pymalloc_debug");
        assertSame(before, rt.getAllocator(PyMemAllocatorDomain.MEM));
        rt.memFree(p);
    }

    @Test
    void handingOutAnAllocatorCountsAsFirstUse() {
        PyMemRuntime rt = runtime("pymalloc");
        rt.getAllocator(PyMemAllocatorDomain.RAW);
        assertThrows(AllocatorSetupException.class, () -> rt.setupAllocators("malloc"));
    }

    @Test
    void aUsedRuntimeRefusesAnyChangeAfterSetAllocator() {
        PyMemRuntime rt = runtime("pymalloc");
        rt.setAllocator(PyMemAllocatorDomain.MEM, rt.getAllocator(PyMemAllocatorDomain.MEM));
        var e = assertThrows(AllocatorSetupException.class, () -> rt.setupAllocators("pymalloc+tracemalloc"));
        assertTrue(e.getMessage().contains("a domain's allocator was replaced with setAllocator"), e.getMessage());
    }

    @Test
    void aRefusedChangeLeavesTheStackAsItWas() {
        PyMemRuntime rt = runtime("pymalloc+tracemalloc");
        PyMemAllocatorEx before = rt.getAllocator(PyMemAllocatorDomain.OBJ);
        assertThrows(AllocatorSetupException.class, () -> rt.setupAllocators("pymalloc+tracemalloc+debug"));
        assertSame(before, rt.getAllocator(PyMemAllocatorDomain.OBJ));
        assertEquals("pymalloc+tracemalloc", rt.currentAllocatorName());
    }

    @Test
    void setupDebugHooksAddsTheDebugLayerOnce() {
        PyMemRuntime rt = runtime("malloc");
        rt.setupDebugHooks();
        assertEquals("malloc_debug", rt.currentAllocatorName());
        rt.setupDebugHooks();
        assertEquals("malloc_debug", rt.currentAllocatorName());
    }

    @Test
    void aSegmentViewIsBoundsChecked() {
        PyMemRuntime rt = runtime("malloc");
        long p = rt.memMalloc(16);
        MemorySegment s = rt.segment(p, 16);
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, 42L);
        assertEquals(42L, NativeMemory.getLong(p + 8));
        assertThrows(IndexOutOfBoundsException.class, () -> s.set(ValueLayout.JAVA_LONG_UNALIGNED, 9, 1L));
        rt.memFree(p);
    }

    @Test
    void aSegmentViewOfNullIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> runtime("malloc").segment(0, 8));
    }

    @Test
    void theSegmentAllocatorAllocatesThroughItsDomain() {
        PyMemRuntime rt = runtime("pymalloc");
        var pymalloc = (TestBackends.Tagged) rt.getAllocator(PyMemAllocatorDomain.OBJ);
        MemorySegment s = rt.segmentAllocator(PyMemAllocatorDomain.OBJ).allocate(ValueLayout.JAVA_LONG, 4);
        assertEquals(32, s.byteSize());
        s.setAtIndex(ValueLayout.JAVA_LONG, 3, 7L);
        assertEquals(7L, s.getAtIndex(ValueLayout.JAVA_LONG, 3));
        assertEquals(1, pymalloc.mallocs.get());
        rt.free(PyMemAllocatorDomain.OBJ, s);
    }

    @Test
    void theSegmentAllocatorRefusesAStrictAlignmentTheStackCannotServe() {
        var e = assertThrows(UnsupportedOperationException.class,
                () -> runtime("malloc").segmentAllocator(PyMemAllocatorDomain.MEM).allocate(64, 32));
        assertEquals("the MEM allocator malloc cannot align a block to 32 bytes: it does not implement "
                + "io.pymem4j.spi.AlignedAllocation", e.getMessage());
    }

    @Test
    void theSegmentAllocatorRefusesAnAlignmentThatIsNotAPowerOfTwoUpToThePageSize() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> runtime("malloc").segmentAllocator(PyMemAllocatorDomain.MEM).allocate(64, 24));
        assertEquals("alignment 24 is not a power of two from 1 to the page size (" + PyMemRuntime.pageSize() + ")",
                e.getMessage());
    }

    @Test
    void theSegmentAllocatorThrowsOutOfMemoryOnNull() {
        var e = assertThrows(OutOfMemoryError.class,
                () -> runtime("malloc").segmentAllocator(PyMemAllocatorDomain.RAW).allocate(1L << 62, 8));
        assertEquals("pymem4j: RAW malloc(4611686018427387904) returned NULL", e.getMessage());
    }

    @Test
    void aBuilderOptionWinsOverTheSystemProperty() {
        System.setProperty("pymem4j.test.option", "from-property");
        try {
            PyMemRuntime rt = PyMemRuntime.builder().registry(StackSpecTest.cpythonLike()).allocator("malloc")
                    .option("test.option", "from-builder").build();
            assertEquals("from-builder", rt.option("test.option"));
            assertEquals("from-property", runtime("malloc").option("test.option"));
            assertNull(rt.option("test.unset"));
        } finally {
            System.clearProperty("pymem4j.test.option");
        }
    }

    @Test
    void theConfiguredAllocatorComesFromTheSystemProperty() {
        System.setProperty(PyMemRuntime.MALLOC_PROPERTY, "malloc_debug");
        try {
            assertEquals("malloc_debug", PyMemRuntime.configuredAllocator());
        } finally {
            System.clearProperty(PyMemRuntime.MALLOC_PROPERTY);
        }
    }

    @Test
    void blocksAllocatedBeforeATransparentHookIsAddedAreFreedThroughIt() {
        PyMemRuntime rt = runtime("malloc");
        long p = rt.rawMalloc(100);
        NativeMemory.fill(p, 100, (byte) 3);
        rt.setupAllocators("malloc+tracemalloc");
        long q = rt.rawRealloc(p, 200);
        assertNotEquals(0, q);
        assertEquals(-1, NativeMemory.findNot(q, 100, (byte) 3));
        rt.rawFree(q);
    }

    @Test
    void aRuntimeWithoutRawProviderCannotSetUpASmallObjectBackend() {
        ProviderRegistry onlyPymalloc = ProviderRegistry.of(TestBackends.Backend.small("pymalloc"));
        var e = assertThrows(AllocatorSetupException.class,
                () -> PyMemRuntime.builder().registry(onlyPymalloc).allocator("pymalloc").build());
        assertTrue(e.getMessage().startsWith("allocator 'malloc' is not available: it is provided by the module"
                + " io.pymem4j:allocator-raw"), e.getMessage());
    }

    @Test
    void findHookGivesTheStateOfAHookLayer() {
        var registry = ProviderRegistry.of(TestBackends.Backend.all("malloc"), new Marked());
        PyMemRuntime rt = PyMemRuntime.builder().registry(registry).allocator("malloc+marked").build();
        assertEquals("marked hook", rt.findHook(MarkedHook.class).orElseThrow().toString());
        assertTrue(rt.findHook(String.class).isEmpty());
    }

    @Test
    void theStackVersionMovesWhenTheStackIsSetUpAgain() {
        PyMemRuntime rt = runtime("malloc");
        int before = rt.stackVersion();
        rt.rawFree(rt.rawMalloc(8));
        assertEquals(before, rt.stackVersion());
        rt.setupAllocators("malloc+tracemalloc");
        assertNotEquals(before, rt.stackVersion());
    }

    /** A layer that counts the checks of its live blocks and says how many were damaged. */
    private static final class Checked extends TestBackends.HookLayer {
        Checked(String name) {
            super(name, true);
        }

        @Override
        public Hook create(HookContext context) {
            return new CheckedHook();
        }
    }

    private static final class CheckedHook implements Hook, LiveBlockCheck {
        int checks;

        @Override
        public PyMemAllocatorEx wrap(PyMemAllocatorDomain domain, PyMemAllocatorEx below) {
            return below;
        }

        @Override
        public int checkLiveBlocks() {
            checks++;
            return 2;
        }
    }

    @Test
    void checkRunsEveryLayerThatChecksItsBlocksAndAddsWhatTheyFound() {
        var registry = ProviderRegistry.of(TestBackends.Backend.all("malloc"), new Checked("one"), new Checked("two"));
        PyMemRuntime rt = PyMemRuntime.builder().registry(registry).allocator("malloc+one+two").build();
        assertEquals(4, rt.check());
        assertEquals(1, rt.findHook(CheckedHook.class).orElseThrow().checks);
    }

    @Test
    void checkOfAStackWithoutSuchALayerFindsNothing() {
        assertEquals(0, runtime("pymalloc+debug+tracemalloc").check());
    }

    @Test
    void findBackendGivesTheBackendUnderTheHooksWithoutFirstUse() {
        PyMemRuntime rt = runtime("pymalloc+debug+tracemalloc");
        TestBackends.Tagged backend = rt.findBackend(TestBackends.Tagged.class).orElseThrow();
        assertEquals("pymalloc", backend.tag);
        assertTrue(rt.findBackend(String.class).isEmpty());
        rt.setupAllocators("malloc");
        assertEquals("malloc", rt.findBackend(TestBackends.Tagged.class).orElseThrow().tag);
    }

    @Test
    void aTransparentHookEnabledByConfigurationJoinsAnyStack() {
        var registry = ProviderRegistry.of(TestBackends.Backend.all("malloc"), new Marked());
        PyMemRuntime rt = PyMemRuntime.builder().registry(registry).allocator("malloc").option("marked", "on").build();
        assertEquals("malloc+marked", rt.currentAllocatorName());
        PyMemRuntime off = PyMemRuntime.builder().registry(registry).allocator("malloc").build();
        assertEquals("malloc", off.currentAllocatorName());
    }

    /** A hook whose state can be found, enabled by the option "marked". */
    private static final class Marked extends TestBackends.HookLayer {
        Marked() {
            super("marked", true);
        }

        @Override
        public java.util.Set<String> optionKeys() {
            return java.util.Set.of("marked");
        }

        @Override
        public boolean enabledByConfiguration(RuntimeView runtime) {
            return "on".equals(runtime.option("marked"));
        }

        @Override
        public Hook create(HookContext context) {
            return new MarkedHook();
        }
    }

    private static final class MarkedHook implements Hook {
        @Override
        public PyMemAllocatorEx wrap(PyMemAllocatorDomain domain, PyMemAllocatorEx below) {
            return new TestBackends.Layer("marked", domain, below);
        }

        @Override
        public String toString() {
            return "marked hook";
        }
    }

    @Test
    void aRuntimeIsNotInGilModeByDefault() {
        PyMemRuntime rt = runtime("malloc");
        assertTrue(!rt.gilMode());
        assertNull(rt.interpreterLock());
    }

    @Test
    void theGilOptionPutsARuntimeInGilModeWithItsOwnLock() {
        PyMemRuntime rt = PyMemRuntime.builder().registry(StackSpecTest.cpythonLike()).allocator("malloc")
                .option(PyMemRuntime.GIL_OPTION, "true").build();
        assertTrue(rt.gilMode());
        InterpreterLock gil = rt.interpreterLock();
        assertTrue(!gil.isHeldByCurrentThread());
        try (var _ = gil.hold()) {
            assertTrue(gil.isHeldByCurrentThread());
        }
        assertTrue(!gil.isHeldByCurrentThread());
    }

    @Test
    void anEmbedderSuppliesItsOwnInterpreterLock() {
        InterpreterLock mine = InterpreterLock.reentrant();
        PyMemRuntime rt = PyMemRuntime.builder().registry(StackSpecTest.cpythonLike()).allocator("malloc").gil(mine).build();
        assertSame(mine, rt.interpreterLock());
    }

    @Test
    void setupAllocatorsOfNullIsAnErrorNotTheDefault() {
        PyMemRuntime rt = runtime("malloc");
        var e = assertThrows(NullPointerException.class, () -> rt.setupAllocators(null));
        assertEquals("name: give \"\" or \"default\" for the default stack", e.getMessage());
        assertEquals("malloc", rt.currentAllocatorName());
    }

    @ParameterizedTest
    @ValueSource(strings = {"true", "TRUE", "True"})
    void theGilOptionAcceptsTrueInAnyCase(String value) {
        PyMemRuntime rt = PyMemRuntime.builder().registry(StackSpecTest.cpythonLike()).allocator("malloc")
                .option(PyMemRuntime.GIL_OPTION, value).build();
        assertTrue(rt.gilMode());
    }

    @Test
    void aGilOptionThatIsNeitherTrueNorFalseIsAnErrorNamingWhereItWasSet() {
        var b = PyMemRuntime.builder().registry(StackSpecTest.cpythonLike()).allocator("malloc")
                .option(PyMemRuntime.GIL_OPTION, "maybe");
        var e = assertThrows(AllocatorSetupException.class, b::build);
        assertEquals("option gil='maybe': expected true or false (gil from PyMemRuntime.Builder.option in code)",
                e.getMessage());
    }

    @Test
    void anInvalidValueFromASystemPropertyNamesTheProperty() {
        System.setProperty("pymem4j.gil", "maybe");
        try {
            var b = PyMemRuntime.builder().registry(StackSpecTest.cpythonLike()).allocator("malloc");
            var e = assertThrows(AllocatorSetupException.class, b::build);
            assertEquals("option gil='maybe': expected true or false (gil from the system property pymem4j.gil)",
                    e.getMessage());
        } finally {
            System.clearProperty("pymem4j.gil");
        }
    }

    @Test
    void anInvalidValueALayerRefusesNamesTheSourceTheBuilderWasGiven() {
        var b = PyMemRuntime.builder().registry(withDebugPolicy()).allocator("pymalloc_debug")
                .option("debug.policy", "thorw", "pymem4j.debug.policy in /etc/app.properties");
        // The test layer refuses any policy but log, as the debug layer refuses an unknown one.
        var e = assertThrows(AllocatorSetupException.class, b::build);
        assertEquals("option debug.policy='thorw' is not valid: expected throw, abort or log"
                + " (debug.policy from pymem4j.debug.policy in /etc/app.properties)", e.getMessage());
    }

    @Test
    void theOriginOfEachOptionIsWhereTheRuntimeReadIt() {
        System.setProperty("pymem4j.max.block", "1g");
        try {
            PyMemRuntime rt = PyMemRuntime.builder().registry(withDebugPolicy()).allocator("malloc")
                    .option("debug.policy", "log").option(PyMemRuntime.GIL_OPTION, "false", "the flag --no-gil").build();
            assertEquals("PyMemRuntime.Builder.option in code", rt.optionOrigin("debug.policy"));
            assertEquals("the flag --no-gil", rt.optionOrigin(PyMemRuntime.GIL_OPTION));
            assertEquals("the system property pymem4j.max.block", rt.optionOrigin("max.block"));
            assertNull(rt.optionOrigin("malloc"));
        } finally {
            System.clearProperty("pymem4j.max.block");
        }
    }

    /** The CPython-like registry, with a debug layer that reads debug.policy. */
    private static ProviderRegistry withDebugPolicy() {
        return ProviderRegistry.of(
                TestBackends.Backend.all("malloc"),
                TestBackends.Backend.small("pymalloc"),
                new TestBackends.HookLayer("debug", false) {
                    @Override
                    public java.util.Set<String> optionKeys() {
                        return java.util.Set.of("debug.policy");
                    }

                    @Override
                    public io.pymem4j.spi.Hook create(io.pymem4j.spi.HookContext context) {
                        String policy = context.runtime().option("debug.policy");
                        if (policy != null && !policy.equals("log")) {
                            throw new AllocatorSetupException("option debug.policy='" + policy
                                    + "' is not valid: expected throw, abort or log");
                        }
                        return super.create(context);
                    }
                });
    }

    @Test
    void anOptionAProviderReadsIsAccepted() {
        PyMemRuntime rt = PyMemRuntime.builder().registry(withDebugPolicy()).allocator("pymalloc_debug")
                .option("debug.policy", "log").build();
        assertEquals("log", rt.option("debug.policy"));
    }

    @Test
    void anUnknownOptionInAProvidersNamespaceIsAnError() {
        var b = PyMemRuntime.builder().registry(withDebugPolicy()).allocator("pymalloc_debug").option("debug.polcy", "log");
        var e = assertThrows(AllocatorSetupException.class, b::build);
        assertEquals("unknown option 'debug.polcy'; known options: [debug.policy, gil, jmx, malloc, max.block];"
                + " did you mean 'debug.policy'?", e.getMessage());
    }

    @Test
    void anUnknownOptionWithoutANamespaceIsAnError() {
        var b = PyMemRuntime.builder().registry(withDebugPolicy()).allocator("malloc").option("foo", "bar");
        var e = assertThrows(AllocatorSetupException.class, b::build);
        assertEquals("unknown option 'foo'; known options: [debug.policy, gil, jmx, malloc, max.block];"
                + " did you mean 'gil'?", e.getMessage());
    }

    @Test
    void anOptionOfANamespaceNoProviderOwnsIsNotChecked() {
        PyMemRuntime rt = PyMemRuntime.builder().registry(withDebugPolicy()).allocator("malloc")
                .option("cpython.library", "/opt/lib/libpython3.so").build();
        assertEquals("/opt/lib/libpython3.so", rt.option("cpython.library"));
    }

    @Test
    void theRegistryNamesTheProviderThatReadsAnOption() {
        assertEquals("debug", withDebugPolicy().optionOwner("debug.policy").orElseThrow().name());
        assertTrue(withDebugPolicy().optionOwner(PyMemRuntime.GIL_OPTION).isEmpty());
    }

    @Test
    void theBuildersPublicMethodsAreDeclaredOnPyMemRuntimeBuilder() throws Exception {
        // Code compiled against the Builder and reflective callers find each method on the
        // public nested class, though its body is in the package-private RuntimeBuilder.
        java.lang.reflect.Method option = PyMemRuntime.Builder.class.getMethod("option", String.class, String.class);
        assertEquals(PyMemRuntime.Builder.class, option.getDeclaringClass());
        assertEquals(PyMemRuntime.Builder.class, option.getReturnType());
        assertEquals(PyMemRuntime.Builder.class, PyMemRuntime.Builder.class.getMethod("build").getDeclaringClass());
    }
}
