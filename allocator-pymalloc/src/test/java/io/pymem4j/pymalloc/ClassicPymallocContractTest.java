package io.pymem4j.pymalloc;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.testkit.AllocatorContractTest;
import org.junit.jupiter.api.AfterEach;

/** The allocator contract on the classic geometry. */
class ClassicPymallocContractTest extends AllocatorContractTest {

    private PyMemRuntime runtime;

    @Override
    protected PyMemAllocatorEx allocator() {
        runtime = PyMemRuntime.builder().allocator("pymalloc").option(Geometry.OPTION, "classic").build();
        return runtime.getAllocator(PyMemAllocatorDomain.MEM);
    }

    /**
     * With ALIGNMENT 8 the size classes step by 8 bytes, so a class-0 block (8 bytes) follows
     * another at an 8-byte distance: pymalloc blocks are only 8-aligned, as in CPython 3.7
     * and older on 64-bit (bpo-27987) and on 32-bit builds.
     */
    @Override
    protected long expectedAlignment() {
        return 8;
    }

    @AfterEach
    void closeAllocator() {
        if (runtime != null) {
            Pymalloc.of(runtime).close();
        }
    }
}
