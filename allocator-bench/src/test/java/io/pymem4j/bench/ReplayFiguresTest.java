package io.pymem4j.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

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
}
