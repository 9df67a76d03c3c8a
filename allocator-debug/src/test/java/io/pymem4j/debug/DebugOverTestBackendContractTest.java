package io.pymem4j.debug;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.testkit.AllocatorContractTest;

/**
 * The allocator contract for the layer over the test backend, without serial numbers and
 * with a quarantine, in the OBJ domain.
 */
class DebugOverTestBackendContractTest extends AllocatorContractTest {
    @Override
    protected PyMemAllocatorEx allocator() {
        return new Fixture(DebugConfig.SERIALNO, "false", DebugConfig.QUARANTINE_BYTES, "256k")
                .allocator(PyMemAllocatorDomain.OBJ);
    }
}
