package io.pymem4j.runtime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Without an SLF4J binding the registry's warning goes nowhere: the error of the name a broken
 * provider has still says which class failed and why. Runs {@link BrokenProviderMain} in a
 * child JVM whose class path has slf4j-api but no Logback.
 */
class BrokenProviderWithoutBindingTest {

    @Test
    void theErrorNamesTheBrokenProviderWhenNothingIsLogged(@TempDir Path dir) throws IOException, InterruptedException {
        List<String> testPath = Arrays.asList(System.getProperty("java.class.path").split(File.pathSeparator));
        String slf4j = testPath.stream().filter(e -> Path.of(e).getFileName().toString().startsWith("slf4j-api-"))
                .findFirst().orElseThrow();
        String cp = String.join(File.pathSeparator, Path.of("target", "classes").toAbsolutePath().toString(),
                Path.of("target", "test-classes").toAbsolutePath().toString(), slf4j);
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", cp, BrokenProviderMain.class.getName(), dir.toString())
                .start();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        String out = read(p.getInputStream());
        assertTrue(p.waitFor(1, TimeUnit.MINUTES), "the child JVM ended");
        assertEquals(0, p.exitValue(), err.join());
        assertTrue(err.join().contains("No SLF4J providers were found"), err.join());
        assertTrue(out.startsWith("allocator 'broken' is not available: no provider of that name was loaded, and a listed"
                + " provider could not be: io.pymem4j.runtime.TestBackends$BrokenBackend could not be instantiated:"
                + " java.lang.IllegalStateException: no licence in /etc/broken.lic; known: "), out);
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
