package io.pymem4j.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** results.md from given figures. */
class BenchReportTest {

    private static final BenchReport.Setup SETUP = new BenchReport.Setup("2026-11-21T10:00:00Z", "Linux test box",
            "JDK 25", "pymem bench --runs 5", "5 timed runs");

    private static ReplayFigures fig(String trace, String target, ReplayFigures.Kind kind, double median, long arenaPeak) {
        return new ReplayFigures(trace, target, kind, 1000, 5, median, median - 1, 100 * 1024, 150 * 1024, arenaPeak,
                arenaPeak < 0 ? -1 : arenaPeak / 2, "");
    }

    private final List<ReplayFigures> replay = List.of(
            fig("compile", "C glibc", ReplayFigures.Kind.C, 15, -1),
            fig("compile", "C pymalloc", ReplayFigures.Kind.C, 10, 10L << 20),
            fig("json", "C pymalloc", ReplayFigures.Kind.C, 20, 40L << 20),
            fig("compile", "pymalloc", ReplayFigures.Kind.STACK, 13, 6L << 20),
            fig("json", "pymalloc", ReplayFigures.Kind.STACK, 30, 44L << 20),
            fig("compile", "ffm-glibc", ReplayFigures.Kind.PEER, 20, -1),
            ReplayFigures.notRun("json", "ffm-jemalloc", ReplayFigures.Kind.PEER, "libjemalloc.so.2 cannot be opened"));

    private final String md = BenchReport.markdown(SETUP, replay, List.of(
            new JmhRow("Pair", "pymalloc", "", "64", 9.5, 0.25, "ns/op"),
            new JmhRow("Pair", "pymalloc", "", "16", 9.0, 0.5, "ns/op"),
            new JmhRow("Pair", "ffm-glibc", "", "64", 12.0, Double.NaN, "ns/op"),
            new JmhRow("TwoThread", "pymalloc", "local", "64", 40, 1, "ns/op"),
            new JmhRow("TwoThread", "pymalloc", "cross", "64", 55, 2, "ns/op"),
            new JmhRow("TwoThread", "pymalloc", "solo", "64", 22, 1, "ns/op")));

    @Test
    void theHeadSaysWhenWhereAndHow() {
        assertTrue(md.contains("- Date: 2026-11-21T10:00:00Z\n- Machine: Linux test box\n- JDK: JDK 25\n"
                + "- Command: `pymem bench --runs 5`\n"), md);
    }

    @Test
    void theReplayTableHasATargetPerRowATracePerColumnAndTheRatioToCObmalloc() {
        assertTrue(md.contains("""
                | target | compile | json |
                |---|---:|---:|
                | C glibc | 15.0 (1.50x) |  |
                | C pymalloc | 10.0 (1.00x) | 20.0 (1.00x) |
                | pymalloc | 13.0 (1.30x) | 30.0 (1.50x) |
                | ffm-glibc | 20.0 (2.00x) |  |
                | ffm-jemalloc |  | not run |
                """), md);
    }

    @Test
    void thePerTraceTableHasRssAndArenaBytes() {
        assertTrue(md.contains("| C pymalloc | 10.00 | 9.00 | 1.00x | 150.0 | 50.0 | 10.0 | 5.0 |\n"), md);
        assertTrue(md.contains("| pymalloc | 13.00 | 12.00 | 1.30x | 150.0 | 50.0 | 6.0 | 3.0 |\n"), md);
        assertTrue(md.contains("| ffm-glibc | 20.00 | 19.00 | 2.00x | 150.0 | 50.0 |  |  |\n"), md);
    }

    @Test
    void thePairTableHasSizesInOrderWithTheInterval() {
        assertTrue(md.contains("""
                ### Pair (ns/op, ± 99.9% interval)

                | target | 16 | 64 |
                |---|---:|---:|
                | pymalloc | 9.0 ± 0.5 | 9.5 ± 0.3 |
                | ffm-glibc |  | 12.0 |
                """), md);
    }

    @Test
    void theTwoThreadTableHasLocalCrossAndSoloColumns() {
        assertTrue(md.contains("| target | local 64 B | cross 64 B | solo 64 B |\n|---|---:|---:|---:|\n"
                + "| pymalloc | 40.0 ± 1.0 | 55.0 ± 2.0 | 22.0 ± 1.0 |\n"), md);
    }

    @Test
    void twoThreadsWorkIsStatedAgainstOneThreadsForLocalAndCross() {
        // local: 2 x 9.5 (Pair, 64 B) / 40; cross: 2 x 22 (solo) / 55.
        assertTrue(md.contains("| target | local | cross |\n|---|---:|---:|\n| pymalloc | 0.48x | 0.80x |\n"), md);
    }

    @Test
    void whatDidNotRunIsListedWithItsReason() {
        assertTrue(md.contains("- json, ffm-jemalloc: libjemalloc.so.2 cannot be opened\n"), md);
    }

    @Test
    void theChartsAreLinked() {
        assertTrue(md.contains("![Trace replay, ns per event](replay.png)"), md);
        assertTrue(md.contains("![JMH pairs, ns per malloc + free](jmh-pair.png)"), md);
    }

    @Test
    void withoutJmhThereIsNoJmhSection() {
        String replayOnly = BenchReport.markdown(SETUP, replay, List.of());
        assertFalse(replayOnly.contains("## JMH"), replayOnly);
        assertFalse(replayOnly.contains("jmh-pair.png"), replayOnly);
    }

    @Test
    void unknownBytesAreBlank() {
        assertEquals("", BenchReport.mib(-1));
        assertEquals("1.5", BenchReport.mib(3L << 19));
    }
}
