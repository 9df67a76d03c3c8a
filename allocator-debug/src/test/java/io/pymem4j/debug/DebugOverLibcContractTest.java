package io.pymem4j.debug;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.testkit.AllocatorContractTest;

/** The allocator contract for {@code malloc_debug}'s MEM domain: the layer over libc. */
class DebugOverLibcContractTest extends AllocatorContractTest {
    @Override
    protected PyMemAllocatorEx allocator() {
        return PyMemRuntime.create("malloc_debug").getAllocator(PyMemAllocatorDomain.MEM);
    }
}
