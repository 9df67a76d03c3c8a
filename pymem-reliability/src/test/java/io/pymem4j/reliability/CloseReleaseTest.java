package io.pymem4j.reliability;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runtimes made and closed leave nothing behind: after 500 of them the process's resident set
 * and address space are where they were, within noise. Measured in a JVM of its own
 * ({@link CloseProbe}) whose Java heap is fixed and touched up front, so that the resident
 * set moves with native memory only. Before runtimes could be closed, 500 {@code pymalloc}
 * runtimes dropped kept 775 MB of address space and 31 MB of resident set.
 */
class CloseReleaseTest {

    private static final Logger log = LoggerFactory.getLogger(CloseReleaseTest.class);
    private static final long MIB = 1024;

    @ParameterizedTest
    @ValueSource(strings = {"pymalloc", "pymalloc_debug", "malloc_debug"})
    void fiveHundredRuntimesClosedLeaveTheResidentSetAndAddressSpaceWhereTheyWere(String stack) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path out = Files.createTempFile("close-probe", ".txt");
        try {
            Process p = new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xms256m", "-Xmx256m",
                    "-XX:+AlwaysPreTouch", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                    CloseProbe.class.getName(), stack, "500"))
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the probe did not end in 5 minutes");
            String text = Files.readString(out, StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), text);
            String line = text.lines().filter(l -> l.startsWith("rss_before=")).findFirst()
                    .orElseThrow(() -> new AssertionError(text));
            Map<String, Long> f = new HashMap<>();
            for (String word : line.split(" ")) {
                String[] kv = word.split("=");
                f.put(kv[0], Long.parseLong(kv[1]));
            }
            log.info("500 runtimes of {} made and closed: {}", stack, line);
            assertTrue(f.get("rss_after") - f.get("rss_before") <= 8 * MIB, "the resident set grew: " + f);
            assertTrue(f.get("size_after") - f.get("size_before") <= 64 * MIB, "the address space grew: " + f);
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
