package io.pymem4j.pymalloc;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.testkit.AllocatorContractTest;
import org.junit.jupiter.api.AfterEach;

/** The allocator contract on the default geometry (cpython310), set up through a runtime. */
class PymallocContractTest extends AllocatorContractTest {

    private PyMemRuntime runtime;

    @Override
    protected PyMemAllocatorEx allocator() {
        runtime = PyMemRuntime.builder().allocator("pymalloc").option(Geometry.OPTION, "cpython310").build();
        return runtime.getAllocator(PyMemAllocatorDomain.MEM);
    }

    @AfterEach
    void closeAllocator() {
        if (runtime != null) {
            Pymalloc.of(runtime).close();
        }
    }
}
