package io.pymem4j.guard;

import io.pymem4j.debug.DebugHook;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** guard.policy=abort halts the JVM, so it runs in a child JVM ({@link AbortMain}). */
class GuardAbortTest {

    @Test
    void abortPrintsTheReportAndTheFreeingStackThenHaltsWithStatus134() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), AbortMain.class.getName()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(DebugHook.ABORT_STATUS, process.exitValue(), stderr);
        assertTrue(stderr.contains("Memory block allocated at (most recent call first):\n"
                + "  File \"io/pymem4j/guard/AbortMain.java\", line 17\n"), stderr);
        assertTrue(stderr.contains("Fatal Python error: _PyMem_DebugRawFree: bad trailing pad byte\n\nCurrent thread 0x"),
                stderr);
        assertTrue(stderr.contains("  at io.pymem4j.guard.AbortMain.main(AbortMain.java:19)"), stderr);
        assertFalse(stderr.contains(AbortMain.NOT_REACHED), "the JVM halts at the report");
    }
}
