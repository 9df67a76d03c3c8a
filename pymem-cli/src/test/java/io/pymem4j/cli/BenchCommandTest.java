package io.pymem4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.pymem4j.cli.CliRun.pymem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** pymem bench's options: what it rejects, before anything runs, and how (the session itself is allocator-bench's). */
class BenchCommandTest {

    @TempDir
    Path dir;

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

    @Test
    void aMissingTraceIsAUsageErrorNamingIt() {
        String missing = dir.resolve("missing.pymt").toString();
        CliRun r = pymem("bench", "--traces", missing, "--no-jmh", "--out", dir.toString());
        assertEquals(Pymem.EXIT_USAGE, r.status());
        assertTrue(r.err().startsWith("pymem: --traces: " + missing + ": no such file, nor a trace of "), r.err());
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

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--peers  | none,nosuch   | pymem: --peers: 'none' cannot be combined with other values (none,nosuch)",
        "--peers  | all,ffm-glibc | pymem: --peers: 'all' cannot be combined with other values (all,ffm-glibc)",
        "--stacks | none,malloc   | pymem: --stacks: 'none' cannot be combined with other values (none,malloc)"})
    void noneOrAllWithOtherValuesIsAUsageError(String option, String values, String message) {
        CliRun r = pymem("bench", option, values, "--no-jmh", "--traces", "none", "--out", dir.toString());
        assertEquals(Pymem.EXIT_USAGE, r.status());
        assertEquals(message, r.err().strip());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "pymalloc:foo=bar            | pymem: --stacks: unknown option 'foo'; known options: [",
        "pymalloc:pymalloc.geomtry=x | pymem: --stacks: unknown option 'pymalloc.geomtry'; known options: [",
        "pymalloc:debug.policy=log   | pymem: --stacks: stack 'pymalloc:debug.policy=log': the option debug.policy is"
                + " for the debug layer, and pymalloc has no debug layer",
        "pymalloc:gil=maybe          | pymem: --stacks: option gil='maybe': expected true or false"})
    void aStackOptionThatIsUnknownOrForAMissingLayerIsAUsageError(String stack, String message) {
        CliRun r = pymem("bench", "--stacks", stack, "--no-jmh", "--traces", "none", "--out", dir.toString());
        assertEquals(Pymem.EXIT_USAGE, r.status());
        assertTrue(r.err().startsWith(message), r.err());
    }

    @Test
    void aStackOptionOfItsOwnLayerIsAccepted() {
        CliRun r = pymem("bench", "--stacks", "pymalloc_debug:debug.policy=log", "--peers", "none", "--no-jmh",
                "--traces", "none", "--out", dir.resolve("out").toString());
        assertEquals(0, r.status(), r.err());
    }

    @Test
    void aFileThatIsNoTraceIsAUsageErrorBeforeAnythingRuns() throws Exception {
        Path corrupt = Files.writeString(dir.resolve("corrupt.pymt"), "not a trace");
        Path out = dir.resolve("out");
        CliRun r = pymem("bench", "--traces", corrupt.toString(), "--stacks", "none", "--peers", "none", "--no-jmh",
                "--no-c-anchors", "--out", out.toString());
        assertEquals(Pymem.EXIT_USAGE, r.status(), r.err());
        assertTrue(r.err().startsWith("pymem: --traces: " + corrupt + ": not a readable .pymt trace: "), r.err());
        assertFalse(Files.exists(out), "the session started");
    }

    @Test
    void aMissingReplayerIsAUsageErrorBeforeAnythingRuns() {
        Path missing = dir.resolve("no-replayer");
        Path out = dir.resolve("out");
        CliRun r = pymem("bench", "--traces", "bundled", "--stacks", "none", "--peers", "none", "--no-jmh",
                "--replayer", missing.toString(), "--out", out.toString());
        assertEquals(Pymem.EXIT_USAGE, r.status(), r.err());
        assertEquals("pymem: --replayer " + missing + ": no such file or directory", r.err().strip());
        assertFalse(Files.exists(out), "the session started");
    }

    @Test
    void theHelpListsThePeersOfAllocatorBench() {
        CliRun r = pymem("bench", "--help");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("Default: all (ffm-glibc,"), r.out());
    }
}
