package io.pymem4j.guard;

import io.pymem4j.api.AllocatorSetupException;
import io.pymem4j.debug.CorruptionPolicy;
import io.pymem4j.runtime.PyMemRuntime;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The guard layer's options. */
class GuardConfigTest {

    private static GuardConfig read(String... pairs) {
        Map<String, String> options = new java.util.HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            options.put(pairs[i], pairs[i + 1]);
        }
        return GuardConfig.from(options::get);
    }

    @Test
    void withoutOptionsTheDefaultsApply() {
        assertEquals(GuardConfig.DEFAULT, read());
        assertEquals(new GuardConfig(1000, null, CorruptionPolicy.THROW, 128, 4096, 32, 8), GuardConfig.DEFAULT);
    }

    @Test
    void everyOptionIsRead() {
        assertEquals(new GuardConfig(1, -5L, CorruptionPolicy.LOG, 64, 1024, 3, 0),
                read(GuardConfig.SAMPLE, "1", GuardConfig.SEED, "-5", GuardConfig.POLICY, "LOG", GuardConfig.SLOTS, "64",
                        GuardConfig.SLOT_BYTES, "1k", GuardConfig.QUARANTINE, "3", GuardConfig.FRAMES, "0"));
    }

    @Test
    void theQuarantineDefaultsToAQuarterOfTheSlots() {
        assertEquals(100, read(GuardConfig.SLOTS, "400").quarantine());
    }

    @Test
    void aSampleRateIsAWholeNumber() {
        AllocatorSetupException e = assertThrows(AllocatorSetupException.class, () -> read(GuardConfig.SAMPLE, "0.5"));
        assertEquals("option guard.sample='0.5' is not valid: expected a whole number from 0 to "
                + Long.MAX_VALUE, e.getMessage());
    }

    @Test
    void aSlotSizeIsAMultipleOfSixteen() {
        AllocatorSetupException e = assertThrows(AllocatorSetupException.class, () -> read(GuardConfig.SLOT_BYTES, "100"));
        assertEquals("option guard.slot.bytes='100' is not valid: expected a multiple of 16 from 64 to 1m", e.getMessage());
    }

    @Test
    void theQuarantineLeavesASlotForNewBlocks() {
        AllocatorSetupException e = assertThrows(AllocatorSetupException.class,
                () -> read(GuardConfig.SLOTS, "4", GuardConfig.QUARANTINE, "4"));
        assertEquals("option guard.quarantine='4' is not valid: expected a whole number from 0 to 3", e.getMessage());
    }

    @Test
    void theRegionIsAtMostOneGibibyte() {
        AllocatorSetupException e = assertThrows(AllocatorSetupException.class,
                () -> read(GuardConfig.SLOTS, "65536", GuardConfig.SLOT_BYTES, "1m"));
        assertEquals("options guard.slots=65536 and guard.slot.bytes=1048576 would reserve 68719476736 bytes:"
                + " the region is at most 1 GiB", e.getMessage());
    }

    @Test
    void anUnknownPolicyIsNamed() {
        AllocatorSetupException e = assertThrows(AllocatorSetupException.class, () -> read(GuardConfig.POLICY, "ignore"));
        assertEquals("option guard.policy='ignore' is not valid: expected throw, abort or log", e.getMessage());
    }

    @Test
    void aRuntimeKnowsTheGuardOptionsAndRefusesAMisspeltOne() {
        PyMemRuntime ok = PyMemRuntime.builder().allocator("malloc+guard").option(GuardConfig.SAMPLE, "7").build();
        assertEquals(7, GuardHook.of(ok).orElseThrow().config().sample());
        AllocatorSetupException e = assertThrows(AllocatorSetupException.class,
                () -> PyMemRuntime.builder().allocator("malloc+guard").option("guard.samples", "7").build());
        assertEquals(true, e.getMessage().startsWith("unknown option 'guard.samples'"), e.getMessage());
    }
}
