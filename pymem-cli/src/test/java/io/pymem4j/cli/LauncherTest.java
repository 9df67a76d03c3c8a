package io.pymem4j.cli;

import io.pymem4j.replay.ReplayEngine;
import org.junit.jupiter.api.Test;

import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    private static final FileTime BEFORE = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));

    /**
     * A checkout whose pymem-cli sources changed after its jars were built: the launcher
     * copied in, a pom, empty jars dated {@link #BEFORE}, and a newer source file.
     */
    private static Path staleCheckout(Path dir) throws IOException {
        Path root = dir.resolve("checkout");
        Files.createDirectories(root.resolve("bin"));
        Files.copy(LAUNCHER, root.resolve("bin/pymem"));
        Files.createDirectories(root.resolve("pymem-cli/src/main/java"));
        Files.writeString(root.resolve("pymem-cli/pom.xml"), "<project/>");
        for (String jar : new String[] {"pymem-cli/target/pymem-cli.jar", "allocator-bench/target/allocator-bench.jar"}) {
            Path p = root.resolve(jar);
            Files.createDirectories(p.getParent());
            Files.write(p, new byte[0]);
            Files.setLastModifiedTime(p, BEFORE);
        }
        Files.setLastModifiedTime(root.resolve("pymem-cli/pom.xml"), BEFORE);
        Files.writeString(root.resolve("pymem-cli/src/main/java/Changed.java"), "class Changed {}");
        return root;
    }

    /** Runs the checkout's launcher with {@code args}, with an mvn on the PATH that fails; its output. */
    private static Launched launch(Path dir, String... args) throws IOException, InterruptedException {
        Path root = staleCheckout(dir);
        Path bin = Files.createDirectories(dir.resolve("fake-bin"));
        Path mvn = bin.resolve("mvn");
        Files.writeString(mvn, "#!/bin/sh\necho 'fake mvn: compilation failure' >&2\nexit 1\n");
        Files.setPosixFilePermissions(mvn, PosixFilePermissions.fromString("rwxr-xr-x"));
        String[] command = new String[args.length + 2];
        command[0] = "bash";
        command[1] = root.resolve("bin/pymem").toString();
        System.arraycopy(args, 0, command, 2, args.length);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        pb.environment().put("PYMEM_JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Launched(p.waitFor(), out);
    }

    private record Launched(int exit, String output) {
    }

    @Test
    void benchRefusesToRunTheJarBuiltBeforeWhenTheBuildFails(@TempDir Path dir) throws Exception {
        Launched run = launch(dir, "bench", "--help");
        assertEquals(2, run.exit(), run.output());
        assertTrue(run.output().contains("pymem: the build failed; pymem bench does not run the jar built before"),
                run.output());
    }

    @Test
    void anyOtherCommandRunsTheJarBuiltBeforeWhenTheBuildFails(@TempDir Path dir) throws Exception {
        Launched run = launch(dir, "list");
        assertTrue(run.output().contains("pymem: the build failed; running the pymem-cli.jar built before"),
                run.output());
    }
}
