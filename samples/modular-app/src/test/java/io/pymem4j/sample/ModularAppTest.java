package io.pymem4j.sample;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs {@link ModularApp} in a child JVM on the module path only (no class path): the module
 * descriptors must resolve, with SLF4J bound to Logback and the providers found by
 * ServiceLoader through their {@code provides}.
 */
class ModularAppTest {

    /** The value a modular application on these modules needs; a missing module makes the JVM warn on stderr. */
    static final String NATIVE_ACCESS = "--enable-native-access=io.pymem4j.api,io.pymem4j.raw";

    record Run(int exit, String out, String err) {
    }

    private static Run runApp(String... args) throws IOException, InterruptedException {
        String modulePath = System.getProperty("sample.module.path");
        assertNotNull(modulePath, "sample.module.path is set by the pom");
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> command = new ArrayList<>(List.of(java, NATIVE_ACCESS, "--module-path", modulePath,
                "--module", "io.pymem4j.sample/io.pymem4j.sample.ModularApp"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().remove("CLASSPATH");
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        Process process = pb.start();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
        String out = read(process.getInputStream());
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the app finished");
        return new Run(process.exitValue(), out, err.join());
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void theAppRunsOnTheModulePathWithEveryProviderFoundByServiceLoader() throws Exception {
        Run run = runApp();
        assertEquals(0, run.exit(), run.err());
        assertEquals("", run.err());
        assertEquals("""
                log INFO ModularApp - allocated through pymalloc+debug+tracemalloc
                module io.pymem4j.sample
                providers [debug, malloc, mmap, pymalloc, tracemalloc]
                stack pymalloc+debug+tracemalloc
                pymalloc arenas 1
                statistics [debug, pymalloc, tracemalloc]
                freed
                """, run.out());
    }
}
