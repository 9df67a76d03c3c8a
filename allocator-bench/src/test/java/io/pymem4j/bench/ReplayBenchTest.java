package io.pymem4j.bench;

import io.pymem4j.replay.TraceWriter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static io.pymem4j.api.PyMemAllocatorDomain.MEM;
import static io.pymem4j.api.PyMemAllocatorDomain.OBJ;
import static io.pymem4j.api.PyMemAllocatorDomain.RAW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A replay in a child JVM, as pymem bench runs each target (a tiny trace: this checks the plumbing, not speed). */
class ReplayBenchTest {

    @TempDir
    Path dir;

    private Path tinyTrace() throws IOException {
        Path file = dir.resolve("tiny.pymt");
        new TraceWriter()
                .malloc(OBJ, 1, 48)
                .calloc(MEM, 2, 4, 16)
                .realloc(OBJ, 1, 1, 600)
                .malloc(RAW, 3, 7)
                .free(OBJ, 1)
                .writeTo(file);
        return file;
    }

    @Test
    void aStackReplaysInAChildAndReportsPymallocsArenas() throws IOException {
        ReplayFigures f = ReplayBench.run(tinyTrace(), ReplayFigures.Kind.STACK, "pymalloc", 0, 2);
        assertTrue(f.measured(), f.note());
        assertEquals("tiny", f.trace());
        assertEquals("pymalloc", f.target());
        assertEquals(5, f.events());
        assertEquals(2, f.runs());
        // The 16 x 4 calloc is live at the end of a run: one arena of CPython 3.10+'s 1 MiB.
        assertEquals(1L << 20, f.arenaBytesEnd());
        assertEquals(1L << 20, f.arenaBytesPeak());
    }

    @Test
    void aSampledStackNotesTracemallocsEstimatesBesideTheExactFigures() throws IOException {
        ReplayFigures f = ReplayBench.run(tinyTrace(), ReplayFigures.Kind.STACK, "malloc:tracemalloc.sample=1", 0, 2);
        assertTrue(f.measured(), f.note());
        // Live at the end: the 64-byte calloc and the 7-byte malloc; the peak is 600 + 64 + 7.
        assertTrue(f.note().startsWith("sampled tracing, one sample every 1 B on average: traced at the end of the"
                + " trace ~"), f.note());
        assertTrue(f.note().contains(" (exact: 71 B); peak over the runs ~"), f.note());
        assertTrue(f.note().contains(" (exact peak of the trace: 671 B; "), f.note());
    }

    @Test
    void anExactStackHasNoSamplingNote() throws IOException {
        assertEquals("", ReplayBench.run(tinyTrace(), ReplayFigures.Kind.STACK, "malloc:tracemalloc=1", 0, 1).note());
    }

    @Test
    void aSizeOnlyPeerReplaysThroughItsAdapter() throws IOException {
        ReplayFigures f = ReplayBench.run(tinyTrace(), ReplayFigures.Kind.PEER, "ffm-glibc", 0, 1);
        assertTrue(f.measured(), f.note());
        assertEquals(-1, f.arenaBytesPeak());
    }

    @Test
    void aPeerThatFreesByObjectDoesNotReplayAndSaysWhy() throws IOException {
        ReplayFigures f = ReplayBench.run(tinyTrace(), ReplayFigures.Kind.PEER, "netty-pooled", 0, 1);
        assertFalse(f.measured());
        assertEquals("netty-pooled has no size-only API: JMH only", f.note());
    }

    @Test
    void aStackThatDoesNotExistFailsWithTheChildsReason() throws IOException {
        ReplayFigures f = ReplayBench.run(tinyTrace(), ReplayFigures.Kind.STACK, "nosuch", 0, 1);
        assertFalse(f.measured());
        assertTrue(f.note().startsWith("failed: io.pymem4j.api.AllocatorSetupException: "), f.note());
        assertTrue(f.note().contains("'nosuch'"), f.note());
    }
}
