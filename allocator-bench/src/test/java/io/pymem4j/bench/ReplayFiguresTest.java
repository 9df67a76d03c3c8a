package io.pymem4j.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The result line a replay worker prints and its parent reads. */
class ReplayFiguresTest {

    @Test
    void aLineReadsBackAsTheSameFigures() {
        ReplayFigures f = new ReplayFigures("json", "pymalloc:tracemalloc=1", ReplayFigures.Kind.STACK, 8322126, 5,
                12.5, 11.25, 140000, 190000, 44040192, 40894464, "");
        assertEquals(f, ReplayFigures.parseLine(f.toLine()));
    }

    @Test
    void aNoteWithSpacesAndNoTimesReadsBack() {
        ReplayFigures f = ReplayFigures.notRun("compile", "ffm-jemalloc", ReplayFigures.Kind.PEER,
                "libjemalloc.so.2 cannot be opened: install libjemalloc2");
        ReplayFigures back = ReplayFigures.parseLine(f.toLine());
        assertFalse(back.measured());
        assertEquals("libjemalloc.so.2 cannot be opened: install libjemalloc2", back.note());
        assertEquals("ffm-jemalloc", back.target());
    }

    @Test
    void growthIsPeakMinusBaseAndUnknownWhenEitherIs() {
        assertEquals(50, new ReplayFigures("t", "x", ReplayFigures.Kind.C, 1, 1, 1, 1, 100, 150, -1, -1, "").rssGrowthKib());
        assertEquals(-1, new ReplayFigures("t", "x", ReplayFigures.Kind.C, 1, 1, 1, 1, -1, 150, -1, -1, "").rssGrowthKib());
    }

    private static ReplayFigures fork(double median, double min, long base, long peak, long arenaPeak) {
        return new ReplayFigures("json", "pymalloc", ReplayFigures.Kind.STACK, 100, 5, median, min, base, peak,
                arenaPeak, arenaPeak / 2, "");
    }

    @Test
    void forksMergeToTheMedianOfTheirMediansAndTheFastestRun() {
        ReplayFigures f = ReplayFigures.ofForks(List.of(fork(13.0, 12.5, 10, 20, 4), fork(16.0, 12.0, 10, 20, 4),
                fork(13.5, 13.0, 10, 20, 4)));
        assertEquals(13.5, f.medianNsPerEvent());
        assertEquals(12.0, f.minNsPerEvent());
        assertEquals(15, f.runs());
    }

    @Test
    void anEvenNumberOfForksTakesTheMeanOfTheMiddleTwo() {
        assertEquals(13.25, ReplayFigures.ofForks(List.of(fork(13.0, 1, 1, 1, 1), fork(20.0, 1, 1, 1, 1),
                fork(13.5, 1, 1, 1, 1), fork(9.0, 1, 1, 1, 1))).medianNsPerEvent());
    }

    @Test
    void mergedMemoryIsTheHighestForksRssAndTheLargestArenas() {
        ReplayFigures f = ReplayFigures.ofForks(List.of(fork(13.0, 1, 100, 300, 8), fork(13.0, 1, 150, 250, 12)));
        assertEquals(100, f.baseRssKib());
        assertEquals(300, f.peakRssKib());
        assertEquals(12, f.arenaBytesPeak());
        assertEquals(6, f.arenaBytesEnd());
    }

    @Test
    void aForkThatDidNotRunIsLeftOut() {
        ReplayFigures failed = ReplayFigures.notRun("json", "pymalloc", ReplayFigures.Kind.STACK, "child JVM died");
        ReplayFigures f = ReplayFigures.ofForks(List.of(failed, fork(14.0, 13.0, 1, 2, 3)));
        assertEquals(14.0, f.medianNsPerEvent());
        assertEquals(5, f.runs());
        assertFalse(ReplayFigures.ofForks(List.of(failed, failed)).measured());
    }

    @Test
    void forksOfDifferentTargetsAreRefused() {
        ReplayFigures other = new ReplayFigures("json", "malloc", ReplayFigures.Kind.STACK, 100, 5, 1, 1, 1, 1, -1, -1, "");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReplayFigures.ofForks(List.of(fork(1, 1, 1, 1, 1), other)));
        assertEquals("forks of json/pymalloc and json/malloc cannot be merged", e.getMessage());
    }
}
