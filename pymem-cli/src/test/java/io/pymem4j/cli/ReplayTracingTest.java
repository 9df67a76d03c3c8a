package io.pymem4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pymem4j.replay.TraceWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.pymem4j.cli.CliRun.pymem;
import static io.pymem4j.api.PyMemAllocatorDomain.MEM;
import static io.pymem4j.api.PyMemAllocatorDomain.OBJ;
import static io.pymem4j.api.PyMemAllocatorDomain.RAW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code pymem replay --tracemalloc N --top K --flamegraph FILE} and {@code --stats}. */
class ReplayTracingTest {

    @TempDir
    Path dir;

    /**
     * Live requested bytes: 48, 112, 160 (the 48-byte block grows to 96), 160, 64, 72. At the
     * end blocks 2 (MEM calloc 4 x 16), 3 (RAW malloc 0) and 4 (MEM realloc from NULL, 8) are live.
     */
    private Path smallTrace() throws IOException {
        Path file = dir.resolve("small.pymt");
        new TraceWriter()
                .malloc(OBJ, 1, 48)
                .calloc(MEM, 2, 4, 16)
                .realloc(OBJ, 1, 1, 96)
                .malloc(RAW, 3, 0)
                .free(OBJ, 1)
                .realloc(MEM, 0, 4, 8)
                .writeTo(file);
        return file;
    }

    private CliRun replay(String allocator, String... more) throws IOException {
        List<String> args = new java.util.ArrayList<>(List.of("replay", smallTrace().toString(), "--allocator", allocator,
                "--runs", "2", "--warmup", "1"));
        args.addAll(List.of(more));
        return pymem(args.toArray(String[]::new));
    }

    private static JsonNode json(CliRun r) throws IOException {
        assertEquals(0, r.status(), r.err());
        return new ObjectMapper().readTree(r.out());
    }

    @Test
    void tracemallocJsonGainsTheTracedPeakAndWhatIsLiveAtTheEndOfTheTrace() throws IOException {
        JsonNode o = json(replay("malloc", "--tracemalloc", "1", "--json"));
        assertEquals("malloc+tracemalloc", o.get("allocator").asText());
        assertEquals(1, o.get("traceback_limit").asInt());
        assertEquals(160, o.get("traced_peak_bytes").asLong());
        assertEquals(72, o.get("traced_current_bytes").asLong());
        assertEquals(3, o.get("traced_blocks").asLong());
    }

    @Test
    void tracemallocJsonSplitsWhatIsLiveAtTheEndByDomain() throws IOException {
        JsonNode d = json(replay("malloc", "--tracemalloc", "1", "--json")).get("traced_per_domain");
        assertEquals("{\"RAW\":{\"size\":0,\"count\":1},\"MEM\":{\"size\":72,\"count\":2},"
                + "\"OBJ\":{\"size\":0,\"count\":0}}", d.toString());
    }

    @Test
    void tracemallocReportSaysWhatIsLiveAtTheEndByDomain() throws IOException {
        CliRun r = replay("pymalloc", "--tracemalloc", "2");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("\nby domain  RAW 0 B in 1 block, MEM 72 B in 2 blocks, OBJ 0 B in 0 blocks"
                + " at the end of the trace\n"), r.out());
    }

    @Test
    void tracemallocPrintsTheTopStatisticsAsPythonPrintsThem() throws IOException {
        CliRun r = replay("malloc", "--tracemalloc", "1", "--top", "2");
        assertEquals(0, r.status(), r.err());
        List<String> lines = r.out().lines().toList();
        int at = lines.indexOf("[ Top 2 ]");
        assertTrue(at > 0, r.out());
        String site = "io/pymem4j/replay/ReplayEngine\\.java:\\d+: ";
        assertTrue(lines.get(at + 1).matches(site + "size=64 B, count=1, average=64 B"), lines.get(at + 1));
        assertTrue(lines.get(at + 2).matches(site + "size=8 B, count=1, average=8 B"), lines.get(at + 2));
        assertEquals(at + 3, lines.size(), r.out());
        assertTrue(r.out().contains("\ntraced     peak 160 B; at the end of the trace 72 B in 3 blocks; traceback limit 1"
                + " (Java frames of the replay)\n"), r.out());
    }

    @Test
    void topStatsInJsonNameFileLineSizeAndCount() throws IOException {
        JsonNode top = json(replay("malloc", "--tracemalloc", "3", "--top", "5", "--json")).get("top_stats");
        assertEquals(3, top.size());
        assertEquals(List.of(64L, 8L, 0L), List.of(top.get(0).get("size").asLong(), top.get(1).get("size").asLong(),
                top.get(2).get("size").asLong()));
        assertEquals("io/pymem4j/replay/ReplayEngine.java", top.get(0).get("file").asText());
        assertEquals(1, top.get(0).get("count").asLong());
    }

    @Test
    void flamegraphWritesTheSnapshotAtTheEndOfTheTrace() throws IOException {
        Path page = dir.resolve("small.html");
        JsonNode o = json(replay("malloc", "--tracemalloc", "4", "--flamegraph", page.toString(), "--json"));
        assertEquals(page.toAbsolutePath().toString(), o.get("flamegraph_file").asText());
        String html = Files.readString(page);
        assertTrue(html.contains("{\"name\":\"all\",\"file\":\"\",\"line\":0,\"class\":null,\"method\":null,"
                + "\"size\":72,\"count\":3,"), html);
        assertTrue(html.contains("\"name\":\"ReplayEngine.replayRange (ReplayEngine.java:"), html);
    }

    @Test
    void aFlamegraphInAMissingDirectoryIsAUsageErrorGivingTheReason() throws IOException {
        Path missing = dir.resolve("missing");
        CliRun r = replay("malloc", "--tracemalloc", "4", "--flamegraph", missing.resolve("x.html").toString());
        assertEquals(2, r.status());
        assertEquals("pymem: cannot write the flame graph to " + missing.resolve("x.html") + ": no such directory "
                + missing.toAbsolutePath(), r.err().strip());
    }

    @Test
    void anUnwritableFlamegraphIsFoundBeforeTheTraceIsRead() throws IOException {
        Path notATrace = Files.writeString(dir.resolve("bad.pymt"), "not a trace");
        Path page = dir.resolve("missing").resolve("x.html");
        CliRun r = pymem("replay", notATrace.toString(), "--tracemalloc", "4", "--flamegraph", page.toString());
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("pymem: cannot write the flame graph to " + page + ": "), r.err());
    }

    @Test
    void anEmptyTracePathIsAUsageError() {
        CliRun r = pymem("replay", "");
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("the TRACE path is empty: give a .pymt file, or no TRACE for the bundled trace\n"),
                r.err());
    }

    @Test
    void topAndFlamegraphNeedTracemalloc() throws IOException {
        CliRun top = replay("malloc", "--top", "3");
        assertEquals(2, top.status());
        assertTrue(top.err().startsWith("--top needs --tracemalloc N or --tracemalloc-sample SIZE\n"), top.err());
        CliRun graph = replay("malloc", "--flamegraph", dir.resolve("x.html").toString());
        assertEquals(2, graph.status());
        assertTrue(graph.err().startsWith("--flamegraph needs --tracemalloc N or --tracemalloc-sample SIZE\n"),
                graph.err());
    }

    @Test
    void tracemallocSampleAloneTracesASampleAndMarksTheTopStatisticsAsEstimates() throws IOException {
        // One sample point a byte on average: the 64-byte block is sampled but for a chance of e^-64.
        CliRun r = replay("malloc", "--tracemalloc-sample", "1", "--top", "1");
        assertEquals(0, r.status(), r.err());
        List<String> lines = r.out().lines().toList();
        int at = lines.indexOf("[ Top 1 ] (estimated from samples every 1 B on average)");
        assertTrue(at > 0, r.out());
        assertTrue(lines.get(at + 1).matches("io/pymem4j/replay/ReplayEngine\\.java:\\d+: size=64 B, count=1, average=64 B"),
                lines.get(at + 1));
        assertTrue(r.out().contains("\nsampled    one sample every 1 B on average: the traced figures are estimates"),
                r.out());
    }

    @Test
    void tracemallocSampleJsonGivesTheIntervalAndTheEstimatesIntervals() throws IOException {
        JsonNode o = json(replay("malloc", "--tracemalloc", "2", "--tracemalloc-sample", "1", "--json"));
        assertEquals(1, o.get("sampling_interval").asLong());
        assertEquals(2, o.get("traceback_limit").asInt());
        assertEquals(2, o.get("traced_peak_interval").size());
        JsonNode current = o.get("traced_current_interval");
        assertTrue(current.get(0).asLong() <= o.get("traced_current_bytes").asLong()
                && o.get("traced_current_bytes").asLong() <= current.get(1).asLong(), o.toString());
    }

    @Test
    void tracemallocSampleWithNothingSampledBoundsTheBytesByTheIntervalTimesLnTwenty() throws IOException {
        // One sample point every 1 TiB: the trace's few blocks are not sampled but for a chance of about 1e-9.
        JsonNode o = json(replay("malloc", "--tracemalloc-sample", "1t", "--json"));
        assertEquals(0, o.get("traced_current_bytes").asLong());
        JsonNode current = o.get("traced_current_interval");
        assertEquals(0, current.get(0).asLong());
        assertEquals(3_293_842_468_476L, current.get(1).asLong(), o.toString());
    }

    @Test
    void tracemallocSampleWithNothingSampledPrintsTheInterval() throws IOException {
        CliRun r = replay("malloc", "--tracemalloc-sample", "1t");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("\ntraced     peak ~0 (0 to 3,293,842,468,476) B; at the end of the trace"
                + " ~0 (0 to 3,293,842,468,476) B in ~0 blocks"), r.out());
    }

    @Test
    void aBadTracemallocSampleIsAUsageError() throws IOException {
        CliRun r = replay("malloc", "--tracemalloc-sample", "often");
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("--tracemalloc-sample must be a mean interval in bytes from 1 to 1t, such as 524288"
                + " or 512k, not 'often'\n"), r.err());
    }

    @Test
    void aTracebackLimitOutOfRangeIsAUsageError() throws IOException {
        CliRun r = replay("malloc", "--tracemalloc", "0");
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("--tracemalloc must be in range [1; 65535], not 0\n"), r.err());
    }

    @Test
    void statsEndsTheReportWithPymallocsDebugMallocStats() throws IOException {
        CliRun r = replay("pymalloc", "--stats");
        assertEquals(0, r.status(), r.err());
        String text = r.out();
        String heading = "\npymalloc at the end of the trace (sys._debugmallocstats):\n"
                + "Small block threshold = 512, in 32 size classes.\n\n"
                + "class   size   num pools   blocks in use  avail blocks\n"
                + "-----   ----   ---------   -------------  ------------\n"
                // the 8-byte block of MEM's realloc from NULL, the 4 x 16 calloc: live at the end of the trace
                + "    0     16           1               1          1020\n"
                + "    3     64           1               1           254\n";
        assertTrue(text.contains(heading), text);
        assertTrue(text.lines().toList().getLast().startsWith("Total "), text);
    }

    @Test
    void statsOfAStackWithoutPymallocSaysSoInOneLine() throws IOException {
        CliRun r = replay("malloc", "--stats");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().endsWith("\n\nno _debugmallocstats: the stack malloc has no pymalloc\n"), r.out());
    }

    @Test
    void jsonHasArenaBytesPeakForPymallocAndNullWithoutIt() throws IOException {
        JsonNode pymalloc = json(replay("pymalloc", "--json"));
        assertEquals(1 << 20, pymalloc.get("arena_bytes_peak").asLong(), "one 1 MiB arena");
        JsonNode malloc = json(replay("malloc", "--json"));
        assertTrue(malloc.get("arena_bytes_peak").isNull(), malloc.toString());
    }

    @Test
    void jsonWithStatsCarriesTheReportText() throws IOException {
        JsonNode o = json(replay("pymalloc", "--stats", "--json"));
        assertTrue(o.get("debug_malloc_stats").asText().startsWith("Small block threshold = 512, in 32 size classes.\n"),
                o.toString());
        assertTrue(json(replay("malloc", "--stats", "--json")).get("debug_malloc_stats").isNull());
    }
}
