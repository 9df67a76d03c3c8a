package io.pymem4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pymem4j.replay.TraceWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.pymem4j.api.PyMemAllocatorDomain.MEM;
import static io.pymem4j.api.PyMemAllocatorDomain.OBJ;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A bench session end to end on a tiny trace, without JMH or the C anchors: the plumbing, not the figures. */
class BenchSessionTest {

    @TempDir
    Path dir;

    private final List<String> progress = new ArrayList<>();

    private Path tinyTrace() throws IOException {
        Path file = dir.resolve("tiny.pymt");
        new TraceWriter().malloc(OBJ, 1, 48).calloc(MEM, 2, 4, 16).realloc(OBJ, 1, 1, 96).free(OBJ, 1).writeTo(file);
        return file;
    }

    private BenchSession.Outcome run(List<Path> traces, List<String> stacks, List<Peer> peers, int replayForks, Path out)
            throws IOException, InterruptedException {
        BenchSession.Options options = new BenchSession.Options(traces, stacks.stream().map(BenchStack::parse).toList(),
                peers, List.of(JmhSuite.Suite.values()), 1, replayForks, 0, false, JmhSuite.Settings.SHORT, false,
                null, out, "pymem bench --test");
        return BenchSession.run(options, progress::add);
    }

    @Test
    void aRunWithoutJmhWritesTheResultsFolder() throws IOException, InterruptedException {
        Path out = dir.resolve("results");
        BenchSession.Outcome outcome = run(List.of(tinyTrace()), List.of("malloc", "pymalloc:gil"),
                List.of(Peer.of("ffm-glibc"), Peer.of("netty-pooled")), 1, out);
        String md = Files.readString(out.resolve("results.md"));
        assertTrue(md.contains("| target | tiny |"), md);
        assertTrue(md.lines().anyMatch(l -> l.matches("\\| pymalloc:gil \\| [0-9.]+ \\|")), md);
        assertTrue(md.lines().anyMatch(l -> l.matches("\\| ffm-glibc \\| [0-9.]+ \\|")), md);
        assertFalse(md.contains("netty-pooled |"), "Netty frees by object: no replay row\n" + md);
        assertTrue(md.contains("- Command: `pymem bench --test`"), md);
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'},
                Arrays.copyOf(Files.readAllBytes(out.resolve("replay.png")), 4));
        JsonNode json = new ObjectMapper().readTree(out.resolve("replay.json").toFile());
        assertEquals(3, json.size());
        assertEquals("malloc", json.get(0).get("target").asText());
        assertEquals(new BenchSession.Outcome(List.of(out.resolve("replay.png")), out.resolve("results.md")), outcome);
        assertTrue(progress.contains("[2/3] tiny: pymalloc:gil"), progress.toString());
    }

    @Test
    void replayForksMergeIntoOneRowPerTargetWithEveryRunCounted() throws IOException, InterruptedException {
        Path out = dir.resolve("results");
        run(List.of(tinyTrace()), List.of("malloc", "pymalloc"), List.of(), 2, out);
        JsonNode json = new ObjectMapper().readTree(out.resolve("replay.json").toFile());
        assertEquals(2, json.size());
        assertEquals("pymalloc", json.get(1).get("target").asText());
        assertEquals(2, json.get(1).get("runs").asInt());
        assertTrue(progress.contains("[4/4] tiny: pymalloc (2/2)"), progress.toString());
        assertTrue(Files.readString(out.resolve("results.md"))
                .contains(", 2 such processes per target in turns, the median of their medians;"));
    }

    @Test
    void theMethodLineSaysWhatWasNotRun() throws IOException, InterruptedException {
        Path out = dir.resolve("results");
        BenchSession.Outcome outcome = run(List.of(), List.of(), List.of(), 1, out);
        String md = Files.readString(out.resolve("results.md"));
        assertTrue(md.contains("- Method: trace replay: not run; JMH: not run; load average "), md);
        assertEquals(List.of(), outcome.charts());
    }

    @Test
    void aTraceThatIsNeitherAFileNorASharedTraceIsRejectedWithItsName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BenchSession.traceFiles(List.of(dir.resolve("missing.pymt").toString())));
        assertTrue(e.getMessage().startsWith(dir.resolve("missing.pymt") + ": no such file, nor a trace of "),
                e.getMessage());
    }

    @Test
    void bundledStandsForTheBundledTraceAndNoneForNoTraces() throws IOException {
        assertEquals(Arrays.asList((Path) null), BenchSession.traceFiles(List.of("bundled")));
        assertEquals(List.of(), BenchSession.traceFiles(List.of("none")));
    }
}
