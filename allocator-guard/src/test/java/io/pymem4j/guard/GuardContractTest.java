package io.pymem4j.guard;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.testkit.AllocatorContractTest;
import org.junit.jupiter.api.Nested;

/** The allocator contract for {@code malloc+guard}'s MEM domain, sampling every block and at a low rate. */
class GuardContractTest {

    /** Every block that fits a slot is sampled; larger ones (the contract's 70 000 bytes) pass down. */
    @Nested
    class EveryBlockSampled extends AllocatorContractTest {
        @Override
        protected PyMemAllocatorEx allocator() {
            return PyMemRuntime.builder().allocator("malloc+guard").option(GuardConfig.SAMPLE, "1").build()
                    .getAllocator(PyMemAllocatorDomain.MEM);
        }
    }

    /** One block in five sampled, with a seed: both paths in one run. */
    @Nested
    class OneInFive extends AllocatorContractTest {
        @Override
        protected PyMemAllocatorEx allocator() {
            return PyMemRuntime.builder().allocator("malloc+guard").option(GuardConfig.SAMPLE, "5")
                    .option(GuardConfig.SEED, "3").build().getAllocator(PyMemAllocatorDomain.MEM);
        }
    }
}
