package io.pymem4j.reliability;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Release: once a replay has freed everything, the process gives its arenas back, and its
 * resident set returns near where it was before the replay. Measured in a JVM of its own
 * ({@link ReleaseProbe}) whose Java heap is fixed and touched up front, so that the resident
 * set moves with native memory only; the first replays bring in the JIT's code and the
 * classes, and the measured one comes after them.
 */
class ReleaseTest {

    private static final Logger log = LoggerFactory.getLogger(ReleaseTest.class);
    private static final long MIB = 1024;

    private static Map<String, Long> probe(String... args) throws IOException, InterruptedException {
        return probeWithHeap("256m", args);
    }

    /** Runs the probe with a Java heap of {@code heap}, fixed and touched up front; returns its figures. */
    private static Map<String, Long> probeWithHeap(String heap, String... args) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        // -Xbatch: each compilation is made when it is asked for, in the warm replays, not
        // later on a busy machine, in the replays measured.
        List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xms" + heap, "-Xmx" + heap,
                "-XX:+AlwaysPreTouch", "-XX:+UseSerialGC", "-Xbatch", "-cp", System.getProperty("java.class.path"),
                ReleaseProbe.class.getName()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile("release-probe", ".txt");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the probe did not end in 5 minutes");
            String text = Files.readString(out, StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), text);
            String line = text.lines().filter(l -> l.startsWith("before=")).findFirst().orElseThrow(() -> new AssertionError(text));
            Map<String, Long> figures = new HashMap<>();
            for (String word : line.split(" ")) {
                String[] kv = word.split("=");
                figures.put(kv[0], Long.parseLong(kv[1]));
            }
            log.info("release of {}: {}", String.join(" ", args), line);
            return figures;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    @ParameterizedTest
    @CsvSource({"pymalloc, -, free", "pymalloc, classic, gil", "pymalloc_debug, -, free"})
    void afterAReplayPymallocKeepsOneArenaAndTheResidentSetFallsBack(String stack, String geometry, String mode)
            throws Exception {
        Map<String, Long> f = probe(stack, geometry, mode);
        assertTrue(f.get("arenas_peak") > 1, "the replay needed more than one arena: " + f);
        assertEquals(1, f.get("arenas_after"), "arenas held after the replay (the last usable one is kept)");
        assertEquals(1, f.get("arenas_after_more"), "arenas held after further replays");
        long grown = f.get("peak") - f.get("before");
        long kept = f.get("after") - f.get("before");
        // The arenas themselves are asserted above; the resident set also carries what glibc
        // keeps of the raw blocks (the debug layer's larger blocks go there), which varied
        // up to half of the growth on a loaded machine. Arenas kept would exceed it.
        assertTrue(kept <= 2 * MIB + grown / 2, "of " + grown + " KiB the replay added, " + kept + " KiB stayed: " + f);
        assertTrue(f.get("after_more") - f.get("after") <= 2 * MIB, ReleaseProbe.MORE_REPLAYS
                + " further replays grew the resident set: " + f);
    }

    @Test
    void aReplayOfTheLargestRecordedTraceGivesItsArenasBack() throws Exception {
        Path json = Path.of(System.getProperty("reliability.traces", "../../shared/traces"), "json.pymt");
        assumeTrue(Scale.LONG, "the long version only");
        assumeTrue(Files.isReadable(json), json + " is not there");
        Map<String, Long> f = probeWithHeap("1g", "pymalloc", "-", "free", json.toString());
        assertTrue(f.get("arenas_peak") > 1, "the replay needed more than one arena: " + f);
        assertEquals(1, f.get("arenas_after"), "arenas held after the replay");
        long grown = f.get("peak") - f.get("before");
        long kept = f.get("after") - f.get("before");
        assertTrue(kept <= 2 * MIB + grown / 4, "of " + grown + " KiB the replay added, " + kept + " KiB stayed: " + f);
    }

    @ParameterizedTest
    @CsvSource({"malloc, -, free"})
    void afterAReplayLibcHoldsNoMoreThanBefore(String stack, String geometry, String mode) throws Exception {
        Map<String, Long> f = probe(stack, geometry, mode);
        assertTrue(f.get("after") - f.get("before") <= 2 * MIB, "the resident set grew by more than 2 MiB: " + f);
        assertTrue(f.get("after_more") - f.get("after") <= 2 * MIB, ReleaseProbe.MORE_REPLAYS
                + " further replays grew the resident set: " + f);
    }
}
