package io.pymem4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pymem4j.replay.TraceWriter;
import io.pymem4j.runtime.ProviderRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static io.pymem4j.cli.CliRun.pymem;
import static io.pymem4j.api.PyMemAllocatorDomain.MEM;
import static io.pymem4j.api.PyMemAllocatorDomain.OBJ;
import static io.pymem4j.api.PyMemAllocatorDomain.RAW;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pymem command run in-process, its stdout and stderr captured. */
class PymemTest {

    @TempDir
    Path dir;

    /** 6 events in all three domains; blocks 2 and 3 stay live. */
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

    @ParameterizedTest
    @ValueSource(strings = {"list", "replay", "bench", "stress", "python", "demo"})
    void everyCommandAnswersHelpWithItsUsageOnStdout(String command) {
        for (String flag : List.of("--help", "-h")) {
            CliRun r = pymem(command, flag);
            assertEquals(0, r.status(), r.err());
            assertTrue(r.out().startsWith("Usage: pymem " + command + " "), r.out());
            assertEquals("", r.err());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"list", "replay", "bench", "stress", "python", "demo"})
    void everyOptionDescriptionIsAValidFormatString(String command) {
        // picocli formats the annotation's description with String.format when it renders the
        // help: a bare '%' (as in "95% intervals") makes it warn on stderr and print the raw text.
        picocli.CommandLine.Model.CommandSpec spec = Pymem.commandLine().getSubcommands().get(command).getCommandSpec();
        for (picocli.CommandLine.Model.OptionSpec option : spec.options()) {
            if (option.userObject() instanceof java.lang.reflect.Field field
                    && field.getAnnotation(picocli.CommandLine.Option.class) instanceof picocli.CommandLine.Option annotation) {
                for (String line : annotation.description()) {
                    assertDoesNotThrow(() -> String.format(line), option.longestName() + ": " + line);
                }
            }
        }
    }

    @Test
    void everyCommandAnswersVersion() {
        CliRun r = pymem("replay", "--version");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("pymem "), r.out());
    }

    @Test
    void versionIsTheProjectVersionOfTheBuild() {
        // Set by the build from ${project.version}, as the version resource is.
        String expected = System.getProperty("expected.project.version");
        assertNotNull(expected, "run through Maven, which sets expected.project.version");
        CliRun r = pymem("--version");
        assertEquals(0, r.status(), r.err());
        assertEquals("pymem " + expected + "\n", r.out());
    }

    @Test
    void listShowsMallocAsAnAvailableBackend() {
        CliRun r = pymem("list");
        assertEquals(0, r.status());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("  malloc +backend +\\S+ +available +libc .*")), r.out());
    }

    @Test
    void listResolvesTheCpythonNameMallocToTheMallocStack() {
        CliRun r = pymem("list");
        assertTrue(r.out().lines().anyMatch(l -> l.matches("  malloc +malloc")), r.out());
    }

    @Test
    void listSaysWhichJarAProviderComesFrom() {
        CliRun r = pymem("list");
        assertTrue(r.out().lines().anyMatch(l -> l.matches("  malloc +backend +allocator-raw-.*\\.jar .*")
                || l.matches("  malloc +backend +.*allocator-raw/target/classes .*")), r.out());
    }

    @Test
    void replayJsonPrintsExactlyOneObjectWithTheReportKeys() throws IOException {
        CliRun r = pymem("replay", smallTrace().toString(), "--allocator", "malloc", "--runs", "2", "--warmup", "0", "--json");
        assertEquals(0, r.status(), r.err());
        List<JsonNode> values;
        try (MappingIterator<JsonNode> it = new ObjectMapper().readerFor(JsonNode.class).readValues(r.out())) {
            values = it.readAll();
        }
        assertEquals(1, values.size(), r.out());
        JsonNode o = values.get(0);
        for (String key : List.of("allocator", "trace", "events", "runs", "warmup", "ns_per_event_median",
                "ns_per_event_min", "events_per_second", "peak_rss_kib")) {
            assertTrue(o.has(key), key + " missing in " + o);
        }
        assertEquals("malloc", o.get("allocator").asText());
        assertEquals("small", o.get("trace").asText());
        assertEquals(6, o.get("events").asLong());
        assertEquals(2, o.get("runs").asInt());
        assertEquals(0, o.get("warmup").asInt());
    }

    @Test
    void replayJsonCountsTheFreesOfBlocksLiveAtTheEnd() throws IOException {
        CliRun r = pymem("replay", smallTrace().toString(), "--allocator", "malloc", "--runs", "1", "--warmup", "0", "--json");
        JsonNode calls = new ObjectMapper().readTree(r.out()).get("calls_per_run");
        assertEquals(1, calls.get("RAW").get("free").asLong());
        assertEquals(2, calls.get("MEM").get("free").asLong());
        assertEquals(1, calls.get("OBJ").get("free").asLong());
    }

    @Test
    void replayInGilModeHoldsTheInterpreterLockThroughout() throws IOException {
        // The debug layer reports any MEM or OBJ call made without the lock in GIL mode.
        CliRun r = pymem("replay", smallTrace().toString(), "--allocator", "pymalloc_debug", "--gil", "--runs", "1",
                "--warmup", "0", "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode o = new ObjectMapper().readTree(r.out());
        assertEquals("pymalloc_debug", o.get("allocator").asText());
        assertTrue(o.get("gil").asBoolean(), r.out());
    }

    @Test
    void replayTextReportNamesTraceStackAndEvents() throws IOException {
        CliRun r = pymem("replay", smallTrace().toString(), "--allocator", "malloc", "--runs", "1", "--warmup", "0");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("trace      small (" + dir.resolve("small.pymt") + ")\n"), r.out());
        assertTrue(r.out().contains("events     6 a run: RAW 1, MEM 2, OBJ 3\n"), r.out());
        assertTrue(r.out().contains("allocator  malloc\n"), r.out());
        assertTrue(r.out().contains("runs       1 timed, after 0 warm-up\n"), r.out());
    }

    @Test
    void anUnknownAllocatorExitsWithStatusTwoListingTheKnownNames() throws IOException {
        CliRun r = pymem("replay", smallTrace().toString(), "--allocator", "nope");
        assertEquals(2, r.status());
        assertEquals("pymem: unknown allocator 'nope'; " + ProviderRegistry.getDefault().knownNames() + "\n", r.err());
        assertEquals("", r.out());
    }

    @Test
    void aMalformedTraceExitsWithStatusTwoNamingTheEvent() throws IOException {
        Path file = dir.resolve("cross.pymt");
        new TraceWriter().malloc(OBJ, 7, 64).free(MEM, 7).writeTo(file);
        CliRun r = pymem("replay", file.toString(), "--allocator", "malloc");
        assertEquals(2, r.status());
        assertEquals("pymem: " + file + ": event 1: free of block 7 in MEM, but it was allocated in OBJ\n", r.err());
        assertEquals("", r.out());
    }

    @Test
    void aMissingTraceExitsWithStatusTwo() {
        Path file = dir.resolve("absent.pymt");
        CliRun r = pymem("replay", file.toString(), "--allocator", "malloc");
        assertEquals(2, r.status());
        assertEquals("pymem: " + file + ": no such file\n", r.err());
    }

    @Test
    void zeroRunsIsAUsageError() throws IOException {
        CliRun r = pymem("replay", smallTrace().toString(), "--allocator", "malloc", "--runs", "0");
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("--runs must be 1 or more, not 0\n"), r.err());
    }

    @Test
    void aWarmUpThatIsNeitherACountNorAutoIsAUsageError() throws IOException {
        CliRun r = pymem("replay", smallTrace().toString(), "--allocator", "malloc", "--warmup", "-1");
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("Invalid value for option '--warmup': must be 0 or more, or 'auto', not -1\n"),
                r.err());
    }

    @Test
    void theWarmUpIsAutomaticByDefaultAndReportsTheRunsItMade() throws IOException {
        CliRun r = pymem("replay", smallTrace().toString(), "--allocator", "malloc", "--runs", "1", "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode o = new ObjectMapper().readTree(r.out());
        // A trace of a few events takes many runs to reach the warm-up's events.
        assertTrue(o.get("warmup").asInt() > 1, r.out());
    }
}
