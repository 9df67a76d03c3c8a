package io.pymem4j.raw;

import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.testkit.AllocatorContractTest;

class LibcAllocatorContractTest extends AllocatorContractTest {
    @Override
    protected PyMemAllocatorEx allocator() {
        return LibcAllocator.INSTANCE;
    }
}
