package io.pymem4j.debug;

import io.pymem4j.api.AllocatorSetupException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The debug.* options. */
class DebugConfigTest {

    @Test
    void noOptionsGiveTheDefaults() {
        assertEquals(DebugConfig.DEFAULT, DebugConfig.from(k -> null));
        assertEquals(new DebugConfig(true, CorruptionPolicy.THROW, 0, 16384), DebugConfig.DEFAULT);
    }

    @Test
    void everyOptionIsRead() {
        Map<String, String> o = Map.of(DebugConfig.SERIALNO, "false", DebugConfig.POLICY, "LOG",
                DebugConfig.QUARANTINE_BYTES, "2m", DebugConfig.HISTORY, "100");
        assertEquals(new DebugConfig(false, CorruptionPolicy.LOG, 2L << 20, 100), DebugConfig.from(o::get));
    }

    @Test
    void framesArePythonsByDefaultAndJavasOnRequest() {
        assertFalse(DebugConfig.DEFAULT.javaFrames());
        assertTrue(DebugConfig.from(Map.of(DebugConfig.FRAMES, "Java")::get).javaFrames());
        assertFalse(DebugConfig.from(Map.of(DebugConfig.FRAMES, "python")::get).javaFrames());
        AllocatorSetupException e = assertThrows(AllocatorSetupException.class,
                () -> DebugConfig.from(Map.of(DebugConfig.FRAMES, "c")::get));
        assertEquals("option debug.frames='c' is not valid: expected python or java", e.getMessage());
    }

    @Test
    void unknownPolicyFailsTheSetUpNamingTheChoices() {
        AllocatorSetupException e = assertThrows(AllocatorSetupException.class,
                () -> new Fixture(DebugConfig.POLICY, "ignore"));
        assertEquals("option debug.policy='ignore' is not valid: expected throw, abort or log"
                + " (debug.policy from PyMemRuntime.Builder.option in code)", e.getMessage());
    }

    @Test
    void negativeQuarantineFailsTheSetUp() {
        AllocatorSetupException e = assertThrows(AllocatorSetupException.class,
                () -> DebugConfig.from(Map.of(DebugConfig.QUARANTINE_BYTES, "-1")::get));
        assertTrue(e.getMessage().startsWith("option debug.quarantine.bytes='-1' is not valid"), e.getMessage());
    }

    @Test
    void aHistoryOverFourMillionFreesFailsTheSetUp() {
        assertEquals(DebugConfig.MAX_HISTORY, DebugConfig.from(Map.of(DebugConfig.HISTORY, "4m")::get).historySize());
        AllocatorSetupException e = assertThrows(AllocatorSetupException.class,
                () -> DebugConfig.from(Map.of(DebugConfig.HISTORY, "4194305")::get));
        assertEquals("option debug.history='4194305' is not valid: expected a count of frees from 0 to 4194304 (4m)",
                e.getMessage());
    }
}
