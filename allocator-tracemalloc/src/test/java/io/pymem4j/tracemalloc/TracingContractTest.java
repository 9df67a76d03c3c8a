package io.pymem4j.tracemalloc;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.raw.LibcAllocator;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.testkit.AllocatorContractTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The allocator contract of the layer over libc while tracing, directly and through a runtime's domains. */
class TracingContractTest {

    /** A domain of a fresh malloc+tracemalloc runtime that is tracing. */
    private static PyMemAllocatorEx tracedDomain(PyMemAllocatorDomain domain) {
        PyMemRuntime rt = PyMemRuntime.create("malloc+tracemalloc");
        tracing(rt);
        return rt.getAllocator(domain);
    }

    private static Tracemalloc tracing(PyMemRuntime rt) {
        Tracemalloc tm = Tracemalloc.of(rt);
        tm.start(3);
        return tm;
    }

    /** The layer alone over {@link LibcAllocator}; every test must leave no trace behind. */
    @Nested
    class LayerOverLibc extends AllocatorContractTest {
        private Tracemalloc tm;

        @Override
        protected PyMemAllocatorEx allocator() {
            tm = tracing(PyMemRuntime.create("malloc"));
            return new TracemallocLayer(tm.store, PyMemAllocatorDomain.MEM.ordinal(), LibcAllocator.INSTANCE);
        }

        @AfterEach
        void everyBlockWasUntraced() {
            assertEquals(0, tm.getTracedMemory().current());
            assertEquals(0, tm.takeSnapshot().traces().size());
            tm.stop();
        }
    }

    @Nested
    class RawDomain extends AllocatorContractTest {
        @Override
        protected PyMemAllocatorEx allocator() {
            return tracedDomain(PyMemAllocatorDomain.RAW);
        }
    }

    @Nested
    class ObjDomain extends AllocatorContractTest {
        @Override
        protected PyMemAllocatorEx allocator() {
            return tracedDomain(PyMemAllocatorDomain.OBJ);
        }
    }
}
