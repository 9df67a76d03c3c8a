package io.pymem4j.runtime;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.spi.BackendContext;
import io.pymem4j.spi.Hook;
import io.pymem4j.spi.HookContext;
import io.pymem4j.spi.LayerLifecycle;
import io.pymem4j.spi.LiveBlocks;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The runtime's side of closing, with layers that record what they are asked: two rounds
 * over every {@link LayerLifecycle} layer, top first, each layer once; a layer that throws
 * stops none of the others; the report keeps every count.
 */
class RuntimeCloseProtocolTest {

    private final List<String> events = new ArrayList<>();

    /** A backend instance (libc, as {@link TestBackends.Tagged}) that records its lifecycle and reports {@code live} blocks. */
    private final class RecordingBackend implements PyMemAllocatorEx, LayerLifecycle {
        private final TestBackends.Tagged libc;
        private final long live;

        RecordingBackend(String tag, long live) {
            this.libc = new TestBackends.Tagged(tag);
            this.live = live;
        }

        @Override
        public long malloc(long size) {
            return libc.malloc(size);
        }

        @Override
        public long calloc(long nelem, long elsize) {
            return libc.calloc(nelem, elsize);
        }

        @Override
        public long realloc(long ptr, long newSize) {
            return libc.realloc(ptr, newSize);
        }

        @Override
        public void free(long ptr) {
            libc.free(ptr);
        }

        @Override
        public LiveBlocks beforeClose() {
            events.add("count " + libc.tag);
            return live < 0 ? null : LiveBlocks.counted(libc.tag, live, live * 10);
        }

        @Override
        public void close() {
            events.add("close " + libc.tag);
        }
    }

    private final class RecordingBackendProvider extends TestBackends.Backend {
        private final long live;

        RecordingBackendProvider(TestBackends.Backend shape, String name, long live) {
            super(name, shape.domains(), shape.availability());
            this.live = live;
        }

        @Override
        public PyMemAllocatorEx create(BackendContext context) {
            return new RecordingBackend(name(), live);
        }
    }

    /** A hook whose state records its lifecycle; {@code fail} makes both rounds throw. */
    private final class RecordingHookProvider extends TestBackends.HookLayer {
        private final String name;
        private final boolean fail;

        RecordingHookProvider(String name, boolean fail) {
            super(name, false);
            this.name = name;
            this.fail = fail;
        }

        @Override
        public Hook create(HookContext context) {
            return new RecordingHook(name, fail);
        }
    }

    private final class RecordingHook implements Hook, LayerLifecycle {
        private final String name;
        private final boolean fail;

        RecordingHook(String name, boolean fail) {
            this.name = name;
            this.fail = fail;
        }

        @Override
        public PyMemAllocatorEx wrap(PyMemAllocatorDomain domain, PyMemAllocatorEx below) {
            return new TestBackends.Layer(name, domain, below);
        }

        @Override
        public LiveBlocks beforeClose() {
            events.add("count " + name);
            if (fail) {
                throw new IllegalStateException(name + " count failed");
            }
            return LiveBlocks.counted(name, 2, 20);
        }

        @Override
        public void close() {
            events.add("close " + name);
            if (fail) {
                throw new IllegalArgumentException(name + " close failed");
            }
        }
    }

    private PyMemRuntime runtime(String stack, boolean failingHook) {
        ProviderRegistry registry = ProviderRegistry.of(
                new RecordingBackendProvider(TestBackends.Backend.all("x"), "malloc", -1),
                new RecordingBackendProvider(TestBackends.Backend.small("x"), "pymalloc", 3),
                new RecordingHookProvider("debug", false),
                new RecordingHookProvider("outer", failingHook));
        return PyMemRuntime.builder().registry(registry).allocator(stack).build();
    }

    @Test
    void everyLayerCountsTopFirstThenEveryLayerClosesTopFirst() {
        PyMemRuntime rt = runtime("pymalloc+debug+outer", false);

        CloseReport report = rt.closeAndReport();

        assertEquals(List.of("count outer", "count debug", "count pymalloc", "count malloc",
                "close outer", "close debug", "close pymalloc", "close malloc"), events);
        assertEquals(List.of("outer", "debug", "pymalloc"), report.layers().stream().map(LiveBlocks::layer).toList());
        assertEquals(3L, report.liveBlocks(), "the largest count");
        assertEquals(30L, report.liveBytes());
        assertFalse(report.clean());
    }

    @Test
    void aBackendServingEveryDomainClosesOnce() {
        PyMemRuntime rt = runtime("malloc", false);

        CloseReport report = rt.closeAndReport();

        assertEquals(List.of("count malloc", "close malloc"), events);
        assertFalse(report.counted());
        assertTrue(report.clean());
    }

    @Test
    void aLayerThatThrowsStopsNoOtherAndItsFirstExceptionIsRethrownWithTheRestSuppressed() {
        PyMemRuntime rt = runtime("pymalloc+debug+outer", true);

        IllegalStateException e = assertThrows(IllegalStateException.class, rt::close);

        assertEquals("outer count failed", e.getMessage());
        assertEquals(1, e.getSuppressed().length);
        assertEquals("outer close failed", e.getSuppressed()[0].getMessage());
        assertEquals(8, events.size(), "every layer had both rounds: " + events);
        assertTrue(rt.isClosed());
        CloseReport report = rt.closeAndReport();
        assertEquals(List.of("debug", "pymalloc"), report.layers().stream().map(LiveBlocks::layer).toList());
    }

    @Test
    void theDomainSlotsOfAClosedRuntimeNameIt() {
        PyMemRuntime rt = runtime("pymalloc+debug", false);
        rt.close();

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> rt.memMalloc(1));

        assertEquals("the pymem4j runtime 'pymalloc_debug' is closed", e.getMessage());
        assertEquals("the pymem4j runtime 'pymalloc_debug' is closed",
                assertThrows(IllegalStateException.class, () -> rt.getAllocator(PyMemAllocatorDomain.RAW)).getMessage());
    }

    @Test
    void aRuntimeNeverUsedClosesItsLayersToo() {
        PyMemRuntime rt = runtime("pymalloc", false);

        rt.close();

        assertEquals(List.of("count pymalloc", "count malloc", "close pymalloc", "close malloc"), events);
    }

    @Test
    void aStackReplacedBeforeFirstUseHasItsBackendsClosedAndItsHooksLeftAlone() {
        PyMemRuntime rt = runtime("pymalloc+debug", false);

        rt.setupAllocators("malloc");

        assertEquals(List.of("close pymalloc", "close malloc"), events);
    }

    @Test
    void closeAgainReturnsTheSameReportAndClosesNothingTwice() {
        PyMemRuntime rt = runtime("pymalloc", false);
        CloseReport first = rt.closeAndReport();
        events.clear();

        assertSame(first, rt.closeAndReport());
        assertEquals(List.of(), events);
    }

    @Test
    void theStackStaysReadableAfterClose() {
        PyMemRuntime rt = runtime("pymalloc+debug", false);
        rt.close();

        assertEquals("pymalloc_debug", rt.currentAllocatorName());
        assertEquals("pymalloc", rt.stackSpec().backend());
    }
}
