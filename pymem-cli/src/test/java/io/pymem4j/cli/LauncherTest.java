package io.pymem4j.cli;

import io.pymem4j.replay.ReplayEngine;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** What {@code bin/pymem}, the launcher the README's first command runs, gives the JVM. */
class LauncherTest {

    private static final Path LAUNCHER = Path.of("..", "bin", "pymem");

    @Test
    void theLauncherRunsEveryCommandWithTheReplayEnginesJvmOptions() throws IOException {
        String script = Files.readString(LAUNCHER);
        for (String option : ReplayEngine.JVM_OPTIONS) {
            String quoted = option.contains("*") ? "'" + option + "'" : option;
            assertTrue(script.contains(" " + quoted + " "), "bin/pymem lacks " + quoted);
        }
    }
}
