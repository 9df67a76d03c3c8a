package io.pymem4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pymem4j.replay.TraceWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static io.pymem4j.cli.CliRun.pymem;
import static io.pymem4j.api.PyMemAllocatorDomain.MEM;
import static io.pymem4j.api.PyMemAllocatorDomain.OBJ;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** pymem bench end to end on a tiny trace, without JMH or the C anchors: the plumbing, not the figures. */
class BenchCommandTest {

    @TempDir
    Path dir;

    private Path tinyTrace() throws IOException {
        Path file = dir.resolve("tiny.pymt");
        new TraceWriter().malloc(OBJ, 1, 48).calloc(MEM, 2, 4, 16).realloc(OBJ, 1, 1, 96).free(OBJ, 1).writeTo(file);
        return file;
    }

    @Test
    void aRunWithoutJmhWritesTheResultsFolder() throws IOException {
        Path out = dir.resolve("results");
        CliRun r = pymem("bench", "--traces", tinyTrace().toString(), "--stacks", "malloc,pymalloc:gil",
                "--peers", "ffm-glibc,netty-pooled", "--runs", "1", "--warmup", "0", "--no-jmh", "--no-c-anchors",
                "--out", out.toString());
        assertEquals(0, r.status(), r.err());
        String md = Files.readString(out.resolve("results.md"));
        assertTrue(md.contains("| target | tiny |"), md);
        assertTrue(md.lines().anyMatch(l -> l.matches("\\| pymalloc:gil \\| [0-9.]+ \\|")), md);
        assertTrue(md.lines().anyMatch(l -> l.matches("\\| ffm-glibc \\| [0-9.]+ \\|")), md);
        assertFalse(md.contains("netty-pooled |"), "Netty frees by object: no replay row\n" + md);
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'},
                Arrays.copyOf(Files.readAllBytes(out.resolve("replay.png")), 4));
        JsonNode json = new ObjectMapper().readTree(out.resolve("replay.json").toFile());
        assertEquals(3, json.size());
        assertEquals("malloc", json.get(0).get("target").asText());
        assertTrue(r.out().contains("results: " + out.resolve("results.md")), r.out());
        assertTrue(r.err().contains("bench: [2/3] tiny: pymalloc:gil"), r.err());
    }

    @Test
    void replayForksMergeIntoOneRowPerTargetWithEveryRunCounted() throws IOException {
        Path out = dir.resolve("results");
        CliRun r = pymem("bench", "--traces", tinyTrace().toString(), "--stacks", "malloc,pymalloc",
                "--peers", "none", "--runs", "1", "--warmup", "0", "--replay-forks", "2", "--no-jmh", "--no-c-anchors",
                "--out", out.toString());
        assertEquals(0, r.status(), r.err());
        JsonNode json = new ObjectMapper().readTree(out.resolve("replay.json").toFile());
        assertEquals(2, json.size());
        assertEquals("pymalloc", json.get(1).get("target").asText());
        assertEquals(2, json.get(1).get("runs").asInt());
        assertTrue(r.err().contains("bench: [4/4] tiny: pymalloc (2/2)"), r.err());
        assertTrue(Files.readString(out.resolve("results.md"))
                .contains(", 2 such processes per target in turns, the median of their medians;"));
    }

    @Test
    void theMethodLineSaysWhatWasNotRun() throws IOException {
        Path out = dir.resolve("results");
        CliRun r = pymem("bench", "--traces", "none", "--no-jmh", "--no-c-anchors", "--out", out.toString());
        assertEquals(0, r.status(), r.err());
        String md = Files.readString(out.resolve("results.md"));
        assertTrue(md.contains("- Method: trace replay: not run; JMH: not run; load average "), md);
    }

    @Test
    void anUnknownPeerIsAUsageError() {
        CliRun r = pymem("bench", "--peers", "tcmalloc", "--no-jmh", "--traces", "none", "--out", dir.toString());
        assertEquals(Pymem.EXIT_USAGE, r.status());
        assertTrue(r.err().startsWith("pymem: --peers: unknown peer 'tcmalloc'; the peers are [ffm-glibc,"), r.err());
    }

    @Test
    void anUnknownStackIsAUsageErrorBeforeAnythingRuns() {
        CliRun r = pymem("bench", "--stacks", "nosuch", "--no-jmh", "--traces", "none", "--out", dir.toString());
        assertEquals(Pymem.EXIT_USAGE, r.status());
        assertTrue(r.err().startsWith("pymem: "), r.err());
        assertTrue(r.err().contains("nosuch"), r.err());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--replay-forks | 0    | pymem: --replay-forks must be 1 or more, not 0",
        "--jmh-forks    | 0    | pymem: --jmh-forks: JMH forks must be 1 or more, not 0",
        "--jmh-sizes    | 64,0 | pymem: --jmh-sizes: block sizes must be 1 or more, not 0"})
    void aCountOrSizeBelowOneIsAUsageErrorBeforeAnythingRuns(String option, String value, String message) {
        CliRun r = pymem("bench", option, value, "--traces", "none", "--out", dir.toString());
        assertEquals(Pymem.EXIT_USAGE, r.status());
        assertEquals(message, r.err().strip());
    }
}
