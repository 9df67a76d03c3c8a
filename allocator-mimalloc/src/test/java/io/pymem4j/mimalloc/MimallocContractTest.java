package io.pymem4j.mimalloc;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.testkit.AllocatorContractTest;
import org.junit.jupiter.api.Nested;

/** The allocator contract of allocator-testkit, as malloc and pymalloc pass it. */
class MimallocContractTest {

    /** mimalloc aligns to the size class: 8 bytes for the odd-word classes (see {@link MimallocAllocator}). */
    private static final long MIMALLOC_ALIGNMENT = 8;

    @Nested
    class Backend extends AllocatorContractTest {
        @Override
        protected PyMemAllocatorEx allocator() {
            return MimallocAllocator.INSTANCE;
        }

        @Override
        protected long expectedAlignment() {
            return MIMALLOC_ALIGNMENT;
        }
    }

    /** The MEM domain of a {@code mimalloc} runtime, found by name through ServiceLoader. */
    @Nested
    class MimallocStackMem extends AllocatorContractTest {
        @Override
        protected PyMemAllocatorEx allocator() {
            return PyMemRuntime.create("mimalloc").getAllocator(PyMemAllocatorDomain.MEM);
        }

        @Override
        protected long expectedAlignment() {
            return MIMALLOC_ALIGNMENT;
        }
    }

    /** The OBJ domain of {@code mimalloc_debug}: the debug hooks over mimalloc keep its contract. */
    @Nested
    class MimallocDebugStackObj extends AllocatorContractTest {
        @Override
        protected PyMemAllocatorEx allocator() {
            return PyMemRuntime.create("mimalloc_debug").getAllocator(PyMemAllocatorDomain.OBJ);
        }

        @Override
        protected long expectedAlignment() {
            return MIMALLOC_ALIGNMENT;
        }
    }
}
