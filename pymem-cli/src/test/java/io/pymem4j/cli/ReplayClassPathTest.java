package io.pymem4j.cli;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pymem replay's class path is pymem-cli's runtime dependencies (what bin/pymem finds in
 * target/lib): it holds no benchmark harness, and the command line works without one.
 */
class ReplayClassPathTest {

    /** Written by maven-dependency-plugin's build-classpath (runtime scope) before the tests. */
    private static final Path RUNTIME_CLASS_PATH = Path.of("target", "runtime-classpath.txt");
    private static final List<String> BENCH_ONLY = List.of("allocator-bench", "jmh-core", "netty-", "lwjgl", "xchart");

    private static List<String> runtimeClassPath() throws IOException {
        String cp = Files.readString(RUNTIME_CLASS_PATH, StandardCharsets.UTF_8).strip();
        return Arrays.asList(cp.split(File.pathSeparator));
    }

    @Test
    void theRuntimeClassPathHoldsTheReplayModuleAndNoBenchmarkHarness() throws IOException {
        List<String> cp = runtimeClassPath();
        assertTrue(cp.stream().anyMatch(e -> e.contains("pymem-replay")), cp.toString());
        for (String entry : cp) {
            for (String banned : BENCH_ONLY) {
                assertTrue(!entry.contains(banned), banned + " is on pymem replay's class path: " + entry);
            }
        }
    }

    @Test
    void withoutAllocatorBenchReplayRunsAndBenchIsAUsageError() throws IOException, InterruptedException {
        Run replay = pymemInChildJvm("replay", "--allocator", "malloc", "--runs", "1", "--warmup", "0");
        assertEquals(0, replay.status(), replay.output());
        assertTrue(replay.output().contains("malloc"), replay.output());

        Run bench = pymemInChildJvm("bench", "--no-jmh", "--traces", "none");
        assertEquals(Pymem.EXIT_USAGE, bench.status(), bench.output());
        assertTrue(bench.output().contains("pymem: the bench command needs allocator-bench on the class path"),
                bench.output());
    }

    private record Run(int status, String output) {
    }

    private static Run pymemInChildJvm(String... args) throws IOException, InterruptedException {
        List<String> cp = new ArrayList<>();
        cp.add(Path.of("target", "classes").toAbsolutePath().toString());
        cp.addAll(runtimeClassPath());
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xmx1g", "-cp", String.join(File.pathSeparator, cp),
                Pymem.class.getName()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "pymem " + String.join(" ", args) + " did not end");
        return new Run(p.exitValue(), output);
    }
}
