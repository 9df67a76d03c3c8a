package io.pymem4j.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading the C replayer's {@code replay bench --malloc-stats} output, as it prints it. */
class CReplayerOutputTest {

    private static final String STDOUT = """
            backend=glibc trace=compile events=2109326 runs=2 min_ns_per_event=15.26 median_ns_per_event=17.55 \
            total_s=0.074 base_rss_kib=35952 peak_rss_kib=48528
            backend=pymalloc trace=compile events=2109326 runs=2 min_ns_per_event=9.84 median_ns_per_event=11.46 \
            total_s=0.048 base_rss_kib=46020 peak_rss_kib=58368
            backend=mimalloc trace=compile events=2109326 runs=2 min_ns_per_event=7.13 median_ns_per_event=8.75 \
            total_s=0.037 base_rss_kib=36448 peak_rss_kib=50072 (peak_rss not reset: includes decoding)
            """;

    private static final String STDERR = """
            replay: backend jemalloc unavailable: libjemalloc.so.2: cannot open shared object file: No such file or directory
            replay: backend jemalloc failed (status 0x100)
            --- _PyObject_DebugMallocStats after run 2, before freeing 471 leftover blocks ---
            Small block threshold = 512, in 32 size classes.

            class   size   num pools   blocks in use  avail blocks
            -----   ----   ---------   -------------  ------------
                0     16          19            4672             0

            # arenas allocated total           =                   15
            # arenas reclaimed                 =                    8
            # arenas highwater mark            =                   10
            # arenas allocated current         =                    7
            7 arenas * 1048576 bytes/arena     =            7,340,032

            # bytes in allocated blocks        =            5,014,640
            """;

    private final List<ReplayFigures> figures = CReplayer.parse(STDOUT, STDERR, "compile", CReplayer.BACKENDS);

    @Test
    void everyBackendAskedForGetsFiguresInTheOrderAsked() {
        assertEquals(List.of("C glibc", "C pymalloc", "C jemalloc", "C mimalloc"),
                figures.stream().map(ReplayFigures::target).toList());
    }

    @Test
    void aBackendLineGivesItsTimesAndRss() {
        ReplayFigures glibc = figures.get(0);
        assertEquals("compile", glibc.trace());
        assertEquals(ReplayFigures.Kind.C, glibc.kind());
        assertEquals(2109326, glibc.events());
        assertEquals(2, glibc.runs());
        assertEquals(17.55, glibc.medianNsPerEvent());
        assertEquals(15.26, glibc.minNsPerEvent());
        assertEquals(35952, glibc.baseRssKib());
        assertEquals(48528, glibc.peakRssKib());
        assertEquals(-1, glibc.arenaBytesPeak());
    }

    @Test
    void theMallocStatsGiveObmallocsArenaBytesAtPeakAndAtTheEnd() {
        ReplayFigures pymalloc = figures.get(1);
        assertEquals(10L << 20, pymalloc.arenaBytesPeak());
        assertEquals(7L << 20, pymalloc.arenaBytesEnd());
    }

    @Test
    void aBackendThatDidNotRunHasNoTimesAndTheReplayersReason() {
        ReplayFigures jemalloc = figures.get(2);
        assertFalse(jemalloc.measured());
        assertEquals("the C replayer gave no figures: unavailable: libjemalloc.so.2: cannot open shared object file:"
                + " No such file or directory; failed (status 0x100)", jemalloc.note());
    }

    @Test
    void aRemarkAfterTheFieldsIsNotAField() {
        ReplayFigures mimalloc = figures.get(3);
        assertTrue(mimalloc.measured());
        assertEquals(50072, mimalloc.peakRssKib());
    }

    @Test
    void aReportWithoutArenaLinesGivesUnknownArenaBytes() {
        assertArrayEquals(new long[] {-1, -1}, CReplayer.arenaBytes("no statistics here"));
    }
}
