package io.pymem4j.raw;

import io.pymem4j.api.AllocatorContractTest;
import io.pymem4j.api.PyMemAllocatorEx;

class LibcAllocatorContractTest extends AllocatorContractTest {
    @Override
    protected PyMemAllocatorEx allocator() {
        return LibcAllocator.INSTANCE;
    }
}
