package io.pymem4j.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The archive the build makes, {@code pymem-VERSION-bin.tar.gz}, unpacked in a temporary
 * directory far from the source checkout: its {@code bin/pymem} runs on its own jars, with
 * the JDK 25 it finds, and builds nothing. Run by failsafe after {@code package}.
 */
class DistributionIT {

    private static final String VERSION = System.getProperty("expected.project.version");

    @TempDir
    static Path dir;

    private static Path home;

    @BeforeAll
    static void unpack() throws IOException, InterruptedException {
        Path archive = Path.of(System.getProperty("pymem.archive"));
        assertTrue(Files.isRegularFile(archive), archive + " was not built");
        Path unpacked = Files.createDirectory(dir.resolve("unpacked"));
        Process tar = new ProcessBuilder("tar", "-xzf", archive.toString(), "-C", unpacked.toString())
                .redirectErrorStream(true).start();
        String output = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(tar.waitFor(1, TimeUnit.MINUTES), "tar did not end");
        assertEquals(0, tar.exitValue(), output);
        home = unpacked.resolve("pymem-" + VERSION);
    }

    @Test
    void theArchiveHoldsOneDirectoryNamedForTheVersion() throws IOException {
        try (Stream<Path> top = Files.list(home.getParent())) {
            assertEquals(List.of(home), top.toList());
        }
        assertTrue(Files.isExecutable(home.resolve("bin/pymem")), "bin/pymem is not executable");
        assertTrue(Files.isRegularFile(home.resolve("LICENSE")));
    }

    @Test
    void versionPrintsTheProjectVersionAndBuildsNothing() throws IOException, InterruptedException {
        Run r = pymem("--version");
        assertEquals(0, r.status(), r.err());
        assertEquals("pymem " + VERSION + "\n", r.out());
        assertEquals("", r.err());
    }

    @Test
    void listFindsTheProvidersInTheArchivesLib() throws IOException, InterruptedException {
        Run r = pymem("list");
        assertEquals(0, r.status(), r.err());
        Pattern raw = Pattern.compile("  malloc +backend +allocator-raw-" + Pattern.quote(VERSION) + "\\.jar +available .*");
        assertTrue(r.out().lines().anyMatch(l -> raw.matcher(l).matches()), r.out());
        Pattern pymalloc = Pattern.compile("  pymalloc +backend +allocator-pymalloc-" + Pattern.quote(VERSION)
                + "\\.jar +available .*");
        assertTrue(r.out().lines().anyMatch(l -> pymalloc.matcher(l).matches()), r.out());
    }

    @Test
    void libHoldsTheCommandLineAndNeitherBenchmarkHarnessNorTestJars() throws IOException {
        List<String> lib = jarNames(home.resolve("lib"));
        assertTrue(lib.contains("pymem-cli-" + VERSION + ".jar"), lib.toString());
        assertTrue(lib.contains("pymem-replay-" + VERSION + ".jar"), lib.toString());
        for (String jar : lib) {
            for (String benchOnly : List.of("allocator-bench", "jmh-core", "netty-", "lwjgl", "xchart", "junit-")) {
                assertFalse(jar.startsWith(benchOnly), benchOnly + " is in lib, on every command's class path: " + jar);
            }
        }
    }

    @Test
    void libHoldsPyroliteOnlyRelocatedInsideAllocatorTracemalloc() throws IOException {
        List<String> lib = jarNames(home.resolve("lib"));
        assertEquals(List.of(), lib.stream().filter(j -> j.startsWith("pickle-")).toList(), "Pyrolite's own jar in lib");
        try (JarFile tracemalloc = new JarFile(home.resolve("lib/allocator-tracemalloc-" + VERSION + ".jar").toFile())) {
            assertNotNull(tracemalloc.getEntry("io/pymem4j/tracemalloc/internal/pickle/Unpickler.class"));
            assertNotNull(tracemalloc.getEntry("META-INF/licenses/pyrolite-pickle/LICENSE"));
            assertEquals(List.of(), tracemalloc.stream().map(JarEntry::getName)
                    .filter(n -> n.startsWith("net/razorvine/")).toList());
        }
    }

    @Test
    void libBenchHoldsAllocatorBenchAndTheJarsOnlyItNeeds() throws IOException {
        List<String> bench = jarNames(home.resolve("lib/bench"));
        assertTrue(bench.contains("allocator-bench-" + VERSION + ".jar"), bench.toString());
        for (String needed : List.of("jmh-core-", "netty-buffer-", "lwjgl-jemalloc-", "xchart-")) {
            assertTrue(bench.stream().anyMatch(j -> j.startsWith(needed)), needed + " missing in " + bench);
        }
        List<String> lib = jarNames(home.resolve("lib"));
        assertEquals(List.of(), bench.stream().filter(lib::contains).toList(), "lib/bench repeats jars of lib");
    }

    @Test
    void benchFindsAllocatorBenchOnItsClassPath() throws IOException, InterruptedException {
        // The help lists allocator-bench's peers, or none when that module is not on the class path.
        Run r = pymem("bench", "--help");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("netty-pooled"), r.out());
    }

    private static List<String> jarNames(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jar")).sorted().toList();
        }
    }

    private record Run(int status, String out, String err) {
    }

    /** {@code bin/pymem ARGS} of the unpacked archive, from the temporary directory, with this JDK as JAVA_HOME. */
    private static Run pymem(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(home.resolve("bin/pymem").toString());
        command.addAll(List.of(args));
        Path err = Files.createTempFile(dir, "stderr", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectError(err.toFile());
        Map<String, String> env = pb.environment();
        env.remove("PYMEM_JAVA_HOME");
        env.remove("PYMEM_JAVA_OPTS");
        env.put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "pymem " + String.join(" ", args) + " did not end");
        return new Run(p.exitValue(), out, Files.readString(err, StandardCharsets.UTF_8));
    }
}
