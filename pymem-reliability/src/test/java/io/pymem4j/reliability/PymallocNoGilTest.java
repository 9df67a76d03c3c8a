package io.pymem4j.reliability;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 20's crash: under {@code debug.policy=log}, a MEM call without the interpreter lock in
 * GIL mode is refused after its report, so it never runs in pymalloc beside the lock holder's.
 * The reproducer runs in a JVM of its own ({@link PymallocNoGilProgram}): a regression crashes
 * that JVM and fails this test, not the build's.
 */
class PymallocNoGilTest {

    @Test
    void underTheLogPolicyCallsWithoutTheLockAreRefusedAndPymallocSurvives() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xmx512m",
                "-XX:ErrorFile=" + System.getProperty("java.io.tmpdir") + "/hs_err_pid%p.log",
                "-cp", System.getProperty("java.class.path"), PymallocNoGilProgram.class.getName()))
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), output);
        assertTrue(output.contains(PymallocNoGilProgram.DONE + "0"), output);
    }
}
