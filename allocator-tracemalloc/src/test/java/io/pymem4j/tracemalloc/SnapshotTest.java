package io.pymem4j.tracemalloc;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.pymem4j.tracemalloc.SyntheticSnapshots.f;
import static io.pymem4j.tracemalloc.SyntheticSnapshots.filename;
import static io.pymem4j.tracemalloc.SyntheticSnapshots.lineno;
import static io.pymem4j.tracemalloc.SyntheticSnapshots.rawTraces1;
import static io.pymem4j.tracemalloc.SyntheticSnapshots.snapshot1;
import static io.pymem4j.tracemalloc.SyntheticSnapshots.snapshot2;
import static io.pymem4j.tracemalloc.SyntheticSnapshots.tb;
import static io.pymem4j.tracemalloc.SyntheticSnapshots.trace;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The snapshot half of test_tracemalloc.py (TestSnapshot), on Python's synthetic snapshots. */
class SnapshotTest {

    private static final Trace A2 = trace(0, 10, 3, f("a.py", 2), f("b.py", 4));

    @Test
    void excludingAFileKeepsTheOtherTracesAndLeavesTheOriginalAlone() {
        Snapshot s = snapshot1();
        Snapshot s3 = s.filterTraces(List.of(Filter.exclude("b.py")));
        assertEquals(List.of(A2, A2, A2, trace(1, 2, 3, f("a.py", 5), f("b.py", 4)), trace(3, 7, 1, f("<unknown>", 0))),
                s3.traces());
        assertEquals(rawTraces1(), s.traces());
    }

    @Test
    void inclusiveFiltersWithLinesKeepTracesMatchingAnyOfThem() {
        Snapshot s3 = snapshot1().filterTraces(List.of(Filter.exclude("b.py")));
        Snapshot s4 = s3.filterTraces(List.of(new Filter(true, "a.py", 2), new Filter(true, "a.py", 5)));
        assertEquals(List.of(A2, A2, A2, trace(1, 2, 3, f("a.py", 5), f("b.py", 4))), s4.traces());
    }

    @Test
    void anEmptyFilterListCopiesTheSnapshot() {
        Snapshot s = snapshot1();
        Snapshot copy = s.filterTraces(List.of());
        assertNotSame(s, copy);
        assertEquals(s.traces(), copy.traces());
        assertEquals(2, copy.tracebackLimit());
    }

    @Test
    void aFilterWithADomainExcludesOnlyThatDomainsMatches() {
        Snapshot s3 = snapshot1().filterTraces(List.of(new Filter(false, "a.py", null, false, 1)));
        assertEquals(List.of(A2, A2, A2, trace(2, 66, 1, f("b.py", 1)), trace(3, 7, 1, f("<unknown>", 0))), s3.traces());
    }

    @Test
    void anInclusiveFilterWithADomainNeedsFileAndDomain() {
        Snapshot s3 = snapshot1().filterTraces(List.of(Filter.include("a.py").withDomain(1)));
        assertEquals(List.of(trace(1, 2, 3, f("a.py", 5), f("b.py", 4))), s3.traces());
    }

    @Test
    void domainFiltersExcludeAndIncludeADomain() {
        Snapshot s = snapshot1();
        assertEquals(List.of(A2, A2, A2, trace(1, 2, 3, f("a.py", 5), f("b.py", 4)), trace(2, 66, 1, f("b.py", 1))),
                s.filterTraces(List.of(new DomainFilter(false, 3))).traces());
        assertEquals(List.of(trace(3, 7, 1, f("<unknown>", 0))), s.filterTraces(List.of(new DomainFilter(true, 3))).traces());
    }

    @Test
    void statisticsByLineAreSortedBySizeCountTraceback() {
        assertEquals(List.of(
                new Statistic(lineno("b.py", 1), 66, 1),
                new Statistic(lineno("a.py", 2), 30, 3),
                new Statistic(lineno("<unknown>", 0), 7, 1),
                new Statistic(lineno("a.py", 5), 2, 1)), snapshot1().statistics("lineno"));
        assertEquals(List.of(
                new Statistic(lineno("a.py", 5), 5002, 2),
                new Statistic(lineno("c.py", 578), 400, 1),
                new Statistic(lineno("a.py", 2), 30, 3)), snapshot2().statistics("lineno"));
    }

    @Test
    void compareToByLineSortsByAbsoluteSizeDifference() {
        assertEquals(List.of(
                new StatisticDiff(lineno("a.py", 5), 5002, 5000, 2, 1),
                new StatisticDiff(lineno("c.py", 578), 400, 400, 1, 1),
                new StatisticDiff(lineno("b.py", 1), 0, -66, 0, -1),
                new StatisticDiff(lineno("<unknown>", 0), 0, -7, 0, -1),
                new StatisticDiff(lineno("a.py", 2), 30, 0, 3, 0)), snapshot2().compareTo(snapshot1(), "lineno"));
    }

    @Test
    void statisticsAndCompareToByFile() {
        assertEquals(List.of(
                new Statistic(filename("b.py"), 66, 1),
                new Statistic(filename("a.py"), 32, 4),
                new Statistic(filename("<unknown>"), 7, 1)), snapshot1().statistics("filename"));
        assertEquals(List.of(
                new Statistic(filename("a.py"), 5032, 5),
                new Statistic(filename("c.py"), 400, 1)), snapshot2().statistics(KeyType.FILENAME, false));
        assertEquals(List.of(
                new StatisticDiff(filename("a.py"), 5032, 5000, 5, 1),
                new StatisticDiff(filename("c.py"), 400, 400, 1, 1),
                new StatisticDiff(filename("b.py"), 0, -66, 0, -1),
                new StatisticDiff(filename("<unknown>"), 0, -7, 0, -1)), snapshot2().compareTo(snapshot1(), "filename"));
    }

    @Test
    void statisticsAndCompareToByTraceback() {
        Traceback tb1 = tb(f("a.py", 2), f("b.py", 4));
        Traceback tb2 = tb(f("a.py", 5), f("b.py", 4));
        Traceback tb3 = tb(f("b.py", 1));
        Traceback tb4 = tb(f("<unknown>", 0));
        Traceback tb5 = tb(f("c.py", 578));
        assertEquals(List.of(new Statistic(tb3, 66, 1), new Statistic(tb1, 30, 3), new Statistic(tb4, 7, 1),
                new Statistic(tb2, 2, 1)), snapshot1().statistics("traceback"));
        assertEquals(List.of(new Statistic(tb2, 5002, 2), new Statistic(tb5, 400, 1), new Statistic(tb1, 30, 3)),
                snapshot2().statistics("traceback"));
        assertEquals(List.of(
                new StatisticDiff(tb2, 5002, 5000, 2, 1),
                new StatisticDiff(tb5, 400, 400, 1, 1),
                new StatisticDiff(tb3, 0, -66, 0, -1),
                new StatisticDiff(tb4, 0, -7, 0, -1),
                new StatisticDiff(tb1, 30, 0, 3, 0)), snapshot2().compareTo(snapshot1(), "traceback"));
    }

    /** As python3 prints them for test_tracemalloc's snapshots: the keys carry no total_nframe, the traces do. */
    @Test
    void keysOfTracebackStatisticsAndDiffsPrintAsPythonsWithoutTotalNframe() {
        assertEquals(List.of(
                "<Statistic traceback=<Traceback (<Frame filename='b.py' lineno=1>,)> size=66 count=1>",
                "<Statistic traceback=<Traceback (<Frame filename='b.py' lineno=4>, <Frame filename='a.py' lineno=2>)>"
                        + " size=30 count=3>",
                "<Statistic traceback=<Traceback (<Frame filename='<unknown>' lineno=0>,)> size=7 count=1>",
                "<Statistic traceback=<Traceback (<Frame filename='b.py' lineno=4>, <Frame filename='a.py' lineno=5>)>"
                        + " size=2 count=1>"),
                snapshot1().statistics("traceback").stream().map(Statistic::repr).toList());
        assertEquals(List.of(
                "<StatisticDiff traceback=<Traceback (<Frame filename='b.py' lineno=4>, <Frame filename='a.py' lineno=5>)>"
                        + " size=5002 (+5000) count=2 (+1)>",
                "<StatisticDiff traceback=<Traceback (<Frame filename='c.py' lineno=578>,)> size=400 (+400) count=1 (+1)>"),
                snapshot2().compareTo(snapshot1(), "traceback").subList(0, 2).stream().map(StatisticDiff::repr).toList());
        assertEquals(3, snapshot1().traces().get(0).traceback().totalNframe().getAsInt(), "the trace keeps its total");
    }

    @Test
    void cumulativeStatisticsChargeEveryFrame() {
        assertEquals(List.of(
                new Statistic(filename("b.py"), 98, 5),
                new Statistic(filename("a.py"), 32, 4),
                new Statistic(filename("<unknown>"), 7, 1)), snapshot1().statistics("filename", true));
        assertEquals(List.of(
                new Statistic(lineno("b.py", 1), 66, 1),
                new Statistic(lineno("b.py", 4), 32, 4),
                new Statistic(lineno("a.py", 2), 30, 3),
                new Statistic(lineno("<unknown>", 0), 7, 1),
                new Statistic(lineno("a.py", 5), 2, 1)), snapshot1().statistics("lineno", true));
    }

    @Test
    void cumulativeModeWithTracebackKeysIsRefusedWithPythonsText() {
        var e = assertThrows(IllegalArgumentException.class, () -> snapshot1().statistics("traceback", true));
        assertEquals("cumulative mode cannot by used with key type 'traceback'", e.getMessage());
    }

    @Test
    void anUnknownKeyTypeIsRefusedWithPythonsText() {
        var e = assertThrows(IllegalArgumentException.class, () -> snapshot1().statistics("function"));
        assertEquals("unknown key_type: 'function'", e.getMessage());
    }

    @Test
    void strOfTraceTracebackAndFrameShowTheOldestFrame() {
        Trace t = snapshot1().traces().get(0);
        assertEquals("b.py:4: 10 B", t.toString());
        assertEquals("b.py:4", t.traceback().toString());
        assertEquals("b.py:4", t.traceback().get(0).toString());
    }

    @Test
    void strOfStatisticAndStatisticDiff() {
        assertEquals("b.py:1: size=66 B, count=1, average=66 B", snapshot1().statistics("lineno").get(0).toString());
        assertEquals("a.py:5: size=5002 B (+5000 B), count=2 (+1), average=2501 B",
                snapshot2().compareTo(snapshot1(), "lineno").get(0).toString());
    }

    @Test
    void slicesOfTracesAndTracebacks() {
        Snapshot s = snapshot1();
        assertEquals(List.of(s.traces().get(0), s.traces().get(1)), s.traces().subList(0, 2));
        Traceback t = s.traces().get(0).traceback();
        assertEquals(List.of(t.get(0), t.get(1)), t.subList(0, 2));
    }

    @Test
    void dumpAndLoadRoundTripTracesLimitAndAttributes(@TempDir Path dir) throws IOException {
        Snapshot s = snapshot2().withAttribute("test_attr", "new");
        Path file = dir.resolve("snapshot.pmtm");
        s.dump(file);
        Snapshot loaded = Snapshot.load(file);
        assertEquals(s.traces(), loaded.traces());
        assertEquals(2, loaded.tracebackLimit());
        assertEquals("new", loaded.attributes().get("test_attr"));
        assertEquals(3, loaded.traces().get(0).traceback().totalNframe().getAsInt());
        assertSame(loaded.traces().get(0).traceback(), loaded.traces().get(2).traceback());
    }

    @Test
    void dumpAndLoadKeepJavaFramesAndTheExpectedFlag(@TempDir Path dir) throws IOException {
        Frame java = new Frame("io/app/Cache.java", 42, "io.app.Cache", "fill");
        Snapshot s = new Snapshot(List.of(new Trace(1, 64, Traceback.of(java), true)), 1);
        Path file = dir.resolve("snapshot.pmtm");
        s.dump(file);
        Trace t = Snapshot.load(file).traces().get(0);
        assertEquals(java, t.traceback().get(0));
        assertTrue(t.expected());
        assertTrue(t.traceback().totalNframe().isEmpty());
    }

    @Test
    void loadingAFileThatIsNotASnapshotSaysSo(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("junk");
        Files.writeString(file, "pickle?");
        var e = assertThrows(IOException.class, () -> Snapshot.load(file));
        assertEquals(file + " is not a tracemalloc snapshot (magic 0x7069636b)", e.getMessage());
    }

    @Test
    void theExpectedFilterDropsExpectedTraces() {
        Trace expected = new Trace(0, 100, lineno("boot.py", 1), true);
        Snapshot s = new Snapshot(List.of(A2, expected), 1);
        assertEquals(List.of(A2), s.withoutExpected().traces());
        assertEquals(List.of(expected), s.filterTraces(List.of(new ExpectedFilter(true))).traces());
    }
}
