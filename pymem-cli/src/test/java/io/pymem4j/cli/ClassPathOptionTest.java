package io.pymem4j.cli;

import io.pymem4j.cli.fixture.BrokenJarProvider;
import io.pymem4j.cli.fixture.DuplicateMallocProvider;
import io.pymem4j.cli.fixture.JarBackendProvider;
import io.pymem4j.spi.AllocatorProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A third party's backend shipped as a jar joins pymem's commands through {@code --class-path}
 * or {@code PYMEM4J_CLASSPATH}: each test runs pymem in a child JVM on pymem-cli's own class
 * path, where only the jar made here lists the fixture providers.
 */
class ClassPathOptionTest {

    @TempDir
    static Path jars;

    private static Path backendJar;
    private static Path duplicateJar;
    private static Path brokenJar;

    @BeforeAll
    static void makeJars() throws IOException {
        backendJar = jar("jarmalloc.jar", JarBackendProvider.class);
        duplicateJar = jar("duplicate.jar", DuplicateMallocProvider.class);
        brokenJar = jar("broken.jar", BrokenJarProvider.class);
        Files.createDirectories(jars.resolve("backends"));
        Files.copy(backendJar, jars.resolve("backends").resolve("jarmalloc.jar"));
    }

    /** A jar with the provider's class and a services file that lists it, as a third party builds one. */
    private static Path jar(String name, Class<? extends AllocatorProvider> provider) throws IOException {
        Path file = jars.resolve(name);
        String classFile = provider.getName().replace('.', '/') + ".class";
        try (OutputStream out = Files.newOutputStream(file); JarOutputStream jar = new JarOutputStream(out)) {
            jar.putNextEntry(new JarEntry(classFile));
            try (var in = provider.getClassLoader().getResourceAsStream(classFile)) {
                in.transferTo(jar);
            }
            jar.putNextEntry(new JarEntry("META-INF/services/" + AllocatorProvider.class.getName()));
            jar.write((provider.getName() + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return file;
    }

    @Test
    void listShowsABackendFromTheClassPathOptionWithItsJar() throws Exception {
        Run r = pymem(Map.of(), "--class-path", backendJar.toString(), "list");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().lines().anyMatch(l -> l.matches(
                "  jarmalloc +backend +jarmalloc\\.jar +available +a backend from a jar of its own")), r.out());
    }

    @Test
    void theClassPathOptionMayFollowTheCommand() throws Exception {
        Run r = pymem(Map.of(), "list", "--class-path", backendJar.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("  jarmalloc "), r.out());
    }

    @Test
    void replayRunsOnABackendFromTheEnvironmentsClassPath() throws Exception {
        Run r = pymem(Map.of(ExtraClassPath.ENV, backendJar.toString()),
                "replay", "--allocator", "jarmalloc+debug", "--runs", "1", "--warmup", "0");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("jarmalloc_debug"), r.out());
    }

    @Test
    void demoReportsAFaultOnABackendFromTheClassPathOption() throws Exception {
        Run r = pymem(Map.of(), "--class-path", jars.resolve("backends").resolve("*").toString(), "demo", "buffer-overflow",
                "--allocator", "jarmalloc_debug");
        assertEquals(DemoCommand.EXIT_THROWN, r.status(), r.err());
        assertTrue(r.out().startsWith("pymem demo buffer-overflow on jarmalloc_debug, debug.policy=throw"), r.out());
        assertTrue(r.err().contains("Fatal Python error: _PyMem_DebugRawFree: bad trailing pad byte"), r.err());
    }

    @Test
    void listWithTwoProvidersOfOneNameListsBothThenFailsNamingThem() throws Exception {
        Run r = pymem(Map.of(), "--class-path", duplicateJar.toString(), "list");
        assertEquals(Pymem.EXIT_USAGE, r.status(), r.err());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("  malloc +backend +\\S*allocator-raw\\S* +available .*")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("  malloc +backend +duplicate\\.jar +available +a second malloc")),
                r.out());
        assertTrue(r.out().contains("Providers that failed to load:\n  (none)\n"), r.out());
        assertTrue(r.err().endsWith("pymem: two allocator providers are named 'malloc': io.pymem4j.raw.MallocProvider and"
                + " io.pymem4j.cli.fixture.DuplicateMallocProvider; remove one of their jars from the class path\n"), r.err());
    }

    @Test
    void askingForABrokenProvidersNameSaysWhyItFailed() throws Exception {
        Run r = pymem(Map.of(), "--class-path", brokenJar.toString(), "demo", "double-free", "--allocator", "brokenjar_debug");
        assertEquals(Pymem.EXIT_USAGE, r.status(), r.err());
        assertTrue(r.err().contains("pymem: allocator 'brokenjar' is not available: no provider of that name was loaded,"
                + " and a listed provider could not be: io.pymem4j.cli.fixture.BrokenJarProvider could not be"
                + " instantiated: java.lang.IllegalStateException: libbroken.so.1 is not installed; known: "), r.err());
    }

    @Test
    void aClassPathEntryThatDoesNotExistIsAUsageError() {
        CliRun r = CliRun.pymem("--class-path", jars.resolve("absent.jar").toString(), "list");
        assertEquals(Pymem.EXIT_USAGE, r.status());
        assertEquals("pymem: --class-path: no such file or directory: " + jars.resolve("absent.jar") + "\n", r.err());
    }

    // ---------------------------------------------------------------- child JVM

    private record Run(int status, String out, String err) {
    }

    /** pymem ARGS in a child JVM on target/classes and pymem-cli's runtime dependencies, with {@code env} added. */
    private static Run pymem(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cp = new ArrayList<>();
        cp.add(Path.of("target", "classes").toAbsolutePath().toString());
        String runtime = Files.readString(Path.of("target", "runtime-classpath.txt"), StandardCharsets.UTF_8).strip();
        cp.addAll(Arrays.asList(runtime.split(File.pathSeparator)));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xmx512m", "-cp", String.join(File.pathSeparator, cp),
                Pymem.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().remove(ExtraClassPath.ENV);
        pb.environment().putAll(env);
        Process p = pb.start();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        String out = read(p.getInputStream());
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "pymem " + String.join(" ", args) + " did not end");
        return new Run(p.exitValue(), out, err.join());
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
