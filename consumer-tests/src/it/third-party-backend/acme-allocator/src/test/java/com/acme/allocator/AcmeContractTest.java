package com.acme.allocator;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.testkit.AllocatorContractTest;

/** pymem4j's allocator contract, on acme as a runtime sets it up from the services file. */
class AcmeContractTest extends AllocatorContractTest {

    @Override
    protected PyMemAllocatorEx allocator() {
        return PyMemRuntime.create("acme").getAllocator(PyMemAllocatorDomain.MEM);
    }
}
