package io.pymem4j.mimalloc;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Without the native library, in a new JVM (the library is opened once per JVM). */
class MissingLibraryTest {

    private static final String ABSENT = "libmimalloc-absent.so.2";
    private static final String REASON = "the native library " + ABSENT + " could not be opened (Cannot open library: "
            + ABSENT + "); install mimalloc 2.x (Debian and Ubuntu: apt-get install libmimalloc2.0) or name its file"
            + " with -Dpymem4j.mimalloc.library=/path/to/libmimalloc.so.2";

    @ParameterizedTest
    @ValueSource(strings = {"mimalloc", "mimalloc_debug", "mimalloc+debug"})
    void theNameIsListedAsUnavailableWithTheReasonAndSetUpFailsWithIt(String stack) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED",
                "-Dpymem4j.mimalloc.library=" + ABSENT, "-cp", System.getProperty("java.class.path"),
                MissingLibraryMain.class.getName(), stack))
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), stdout);
        assertEquals(List.of(
                "available=false",
                "reason=" + REASON,
                "error=allocator 'mimalloc' is not available: " + REASON), stdout.lines().toList());
    }
}
