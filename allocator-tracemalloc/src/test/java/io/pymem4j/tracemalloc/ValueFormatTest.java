package io.pymem4j.tracemalloc;

import org.junit.jupiter.api.Test;

import java.util.List;

import static io.pymem4j.tracemalloc.SyntheticSnapshots.f;
import static io.pymem4j.tracemalloc.SyntheticSnapshots.snapshot1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Python's str/repr formats and {@code _format_size}. */
class ValueFormatTest {

    @Test
    void formatSizeFollowsPythonsUnitsAndRounding() {
        assertEquals("0 B", Formats.size(0, false));
        assertEquals("10239 B", Formats.size(10239, false));
        assertEquals("10.0 KiB", Formats.size(10240, false));
        assertEquals("+1206 KiB", Formats.size(1234567, true));
        assertEquals("-66 B", Formats.size(-66, true));
        assertEquals("+0 B", Formats.size(0, true));
        assertEquals("99.9 KiB", Formats.size(99.9 * 1024, false));
        assertEquals("100 KiB", Formats.size(100 * 1024, false));
        assertEquals("10.0 MiB", Formats.size(10 * 1024 * 1024, false));
        assertEquals("2048 TiB", Formats.size(2048.0 * (1L << 40), false));
    }

    @Test
    void formatSizeRoundsHalfToEvenLikePython() {
        assertEquals("2 B", Formats.size(2.5, false));
        assertEquals("4 B", Formats.size(3.5, false));
        assertEquals("12.2 KiB", Formats.size(12.25 * 1024, false));
    }

    @Test
    void tracebackReprOfEmptyAndReversedFrames() {
        assertEquals("<Traceback ()>", Traceback.of(List.of()).repr());
        assertEquals("<Traceback () total_nframe=0>", Traceback.of(List.of(), 0).repr());
        List<Frame> frames = List.of(f("f1", 1), f("f2", 2));
        String reprFrames = "(<Frame filename='f2' lineno=2>, <Frame filename='f1' lineno=1>)";
        assertEquals("<Traceback " + reprFrames + ">", Traceback.of(frames).repr());
        assertEquals("<Traceback " + reprFrames + " total_nframe=2>", Traceback.of(frames, 2).repr());
        assertEquals("<Traceback (<Frame filename='a.py' lineno=1>,)>", Traceback.of(f("a.py", 1)).repr());
    }

    @Test
    void reprsOfTraceStatisticAndDiff() {
        Traceback tb = Traceback.of(f("a.py", 5));
        assertEquals("<Trace domain=0 size=56 B, traceback=<Traceback (<Frame filename='a.py' lineno=5>,)>>",
                new Trace(0, 56, tb).repr());
        assertEquals("<Statistic traceback=<Traceback (<Frame filename='a.py' lineno=5>,)> size=66 count=1>",
                new Statistic(tb, 66, 1).repr());
        assertEquals("<StatisticDiff traceback=<Traceback (<Frame filename='a.py' lineno=5>,)> size=0 (-66) count=0 (-1)>",
                new StatisticDiff(tb, 0, -66, 0, -1).repr());
    }

    @Test
    void aStatisticWithoutBlocksHasNoAverage() {
        assertEquals("b.py:1: size=0 B (-66 B), count=0 (-1)",
                new StatisticDiff(Traceback.of(f("b.py", 1)), 0, -66, 0, -1).toString());
    }

    @Test
    void tracebackFormatSlicesThenReverses() {
        Traceback t = snapshot1().traces().get(0).traceback();
        java.util.function.BiFunction<String, Integer, String> getline = (file, line) -> "  <" + file + ", " + line + ">";
        assertEquals(List.of("  File \"b.py\", line 4", "    <b.py, 4>", "  File \"a.py\", line 2", "    <a.py, 2>"),
                t.format(null, false, getline));
        assertEquals(List.of("  File \"a.py\", line 2", "    <a.py, 2>"), t.format(1, false, getline));
        assertEquals(List.of("  File \"b.py\", line 4", "    <b.py, 4>"), t.format(-1, false, getline));
        assertEquals(List.of("  File \"a.py\", line 2", "    <a.py, 2>", "  File \"b.py\", line 4", "    <b.py, 4>"),
                t.format(null, true, getline));
        assertEquals(List.of("  File \"a.py\", line 2", "    <a.py, 2>"), t.format(1, true, getline));
        assertEquals(List.of("  File \"b.py\", line 4", "    <b.py, 4>"), t.format(-1, true, getline));
        assertEquals(List.of("  File \"b.py\", line 4", "  File \"a.py\", line 2"), t.format());
    }

    /**
     * Every limit as python3's {@code Traceback((("a.py", 1), ("b.py", 2), ("c.py", 3))).format(limit, most_recent_first)}
     * prints it: a zero limit formats nothing ({@code self[:0]}).
     */
    @Test
    void tracebackFormatSlicesEveryLimitAsPythonDoes() {
        Traceback t = Traceback.of(f("a.py", 1), f("b.py", 2), f("c.py", 3));
        String a = "  File \"a.py\", line 1";
        String b = "  File \"b.py\", line 2";
        String c = "  File \"c.py\", line 3";
        assertEquals(List.of(), t.format(0, false));
        assertEquals(List.of(), t.format(0, true));
        assertEquals(List.of(a), t.format(1, false));
        assertEquals(List.of(b, a), t.format(2, false));
        assertEquals(List.of(a, b), t.format(2, true));
        assertEquals(List.of(c, b, a), t.format(5, false));
        assertEquals(List.of(c, b), t.format(-1, false));
        assertEquals(List.of(b, c), t.format(-1, true));
        assertEquals(List.of(c), t.format(-2, true));
        assertEquals(List.of(), t.format(-3, false));
        assertEquals(List.of(), t.format(-5, true));
    }

    @Test
    void framesAreTotallyOrderedByFileThenLine() {
        List<Frame> sorted = new java.util.ArrayList<>(List.of(f("b.py", 1), f("a.py", 10), f("a.py", 2)));
        java.util.Collections.sort(sorted);
        assertEquals(List.of(f("a.py", 2), f("a.py", 10), f("b.py", 1)), sorted);
        assertTrue(Traceback.of(f("a.py", 1)).compareTo(Traceback.of(f("a.py", 2))) < 0);
    }

    @Test
    void tracebackEqualityIgnoresTotalNframe() {
        assertEquals(Traceback.of(List.of(f("a.py", 1)), 5), Traceback.of(f("a.py", 1)));
        assertEquals(Traceback.of(f("a.py", 1)).hashCode(), Traceback.of(List.of(f("a.py", 1)), 9).hashCode());
    }

    @Test
    void javaFramesAreNamedBySourcePathBelowTheSourceRoot() {
        Frame fr = Frame.of(new StackTraceElement("io.app.Cache$Entry", "fill", "Cache.java", 42));
        assertEquals(new Frame("io/app/Cache.java", 42, "io.app.Cache$Entry", "fill"), fr);
        assertEquals("<unknown>", Frame.of(new StackTraceElement("io.app.Gen", "run", null, -1)).filename());
        assertEquals(0, Frame.of(new StackTraceElement("Top", "run", "Top.java", -2)).lineno());
        assertEquals("Top.java", Frame.of(new StackTraceElement("Top", "run", "Top.java", 3)).filename());
    }
}
