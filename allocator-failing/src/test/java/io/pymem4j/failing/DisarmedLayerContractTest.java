package io.pymem4j.failing;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.testkit.AllocatorContractTest;
import org.junit.jupiter.api.Nested;

/** With nothing to fail, the layer keeps the allocator contract of the stack below it, in each domain. */
class DisarmedLayerContractTest {

    private static PyMemAllocatorEx domain(PyMemAllocatorDomain d) {
        return PyMemRuntime.create("malloc+failing").getAllocator(d);
    }

    @Nested
    class Raw extends AllocatorContractTest {
        @Override
        protected PyMemAllocatorEx allocator() {
            return domain(PyMemAllocatorDomain.RAW);
        }
    }

    @Nested
    class Mem extends AllocatorContractTest {
        @Override
        protected PyMemAllocatorEx allocator() {
            return domain(PyMemAllocatorDomain.MEM);
        }
    }

    @Nested
    class Obj extends AllocatorContractTest {
        @Override
        protected PyMemAllocatorEx allocator() {
            return domain(PyMemAllocatorDomain.OBJ);
        }
    }
}
