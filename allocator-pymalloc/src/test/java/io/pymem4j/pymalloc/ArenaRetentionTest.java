package io.pymem4j.pymalloc;

import io.pymem4j.api.AllocatorSetupException;
import io.pymem4j.runtime.PyMemRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Threaded mode's emptied arenas kept mapped for reuse (the Arenas class doc), and GIL mode's immediate release. */
class ArenaRetentionTest {

    private static final int SZIDX_512 = 31;

    private final CountingRaw raw = new CountingRaw();
    // Arenas at a known offset from a pool boundary: 63 whole pools each, whatever mmap returns.
    private final CountingArenas arenas = new CountingArenas(4096);
    private Pymalloc pm;

    @AfterEach
    void close() {
        if (pm != null) {
            pm.close();
        }
    }

    private Pymalloc threaded(int retained) {
        pm = new Pymalloc(Geometry.CPYTHON310, raw, arenas, true, false, retained);
        return pm;
    }

    /**
     * Enough 512-byte blocks to fill {@code n} whole arenas, allocated by a thread that then
     * ends, so that their frees are done at once and no heap keeps a warm pool of them.
     */
    private long[] fill(int n) {
        long[] blocks = new long[n * 63 * pm.geometry().numBlocks(SZIDX_512)];
        Thread t = new Thread(() -> {
            for (int k = 0; k < blocks.length; k++) {
                blocks[k] = pm.malloc(512);
            }
        });
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        return blocks;
    }

    private void freeAll(long[] blocks) {
        for (long p : blocks) {
            pm.free(p);
        }
    }

    @Test
    void anEmptiedArenaStaysMappedAndIsReusedBeforeANewOneIsMapped() {
        threaded(16);
        freeAll(fill(3));
        assertEquals(2, pm.retainedArenas(), "all but the last usable arena, kept");
        int mapped = arenas.allocs;

        long[] again = fill(3);

        assertEquals(mapped, arenas.allocs, "no arena mapped anew");
        assertEquals(0, pm.retainedArenas());
        freeAll(again);
    }

    @Test
    void theMappedArenasNeverExceedThePeakInUse() {
        threaded(16);
        long[] blocks = fill(3);
        int peak = arenas.live();
        for (int round = 0; round < 5; round++) {
            freeAll(blocks);
            blocks = fill(3);
            assertEquals(peak, arenas.live());
        }
        freeAll(blocks);
    }

    @Test
    void theRetainLimitBoundsTheKeptArenas() {
        threaded(1);
        freeAll(fill(3));
        assertEquals(1, pm.retainedArenas());
        assertEquals(2, arenas.live(), "the last usable arena and one kept");
    }

    @Test
    void aRetainLimitOfZeroGivesEachArenaBackAtOnceAsObmalloc() {
        threaded(0);
        freeAll(fill(3));
        assertEquals(0, pm.retainedArenas());
        assertEquals(1, arenas.live());
    }

    @Test
    void collectGivesTheKeptArenasBack() {
        threaded(16);
        freeAll(fill(3));
        pm.collect();
        assertEquals(0, pm.retainedArenas());
        assertEquals(1, arenas.live());
    }

    @Test
    void closeGivesTheKeptArenasBack() {
        threaded(16);
        freeAll(fill(3));
        pm.close();
        pm = null;
        assertEquals(0, arenas.live());
    }

    @Test
    void aKeptArenaGoesBackAtTheFirstArenaEventAfterTheDelay() throws InterruptedException {
        threaded(16);
        freeAll(fill(3));
        assertEquals(2, pm.retainedArenas());
        Thread.sleep(Arenas.RETAIN_MILLIS + 100);

        long[] more = fill(2); // takes one kept arena; the other, kept too long, goes back

        assertEquals(0, pm.retainedArenas());
        assertEquals(2, arenas.live());
        freeAll(more);
    }

    @Test
    void threadedModeKeepsArenasByDefault() {
        pm = new Pymalloc(Geometry.CPYTHON310, raw, arenas, true, false);
        freeAll(fill(2));
        assertEquals(1, pm.retainedArenas());
    }

    @Test
    void gilModeGivesEachArenaBackAtOnce() {
        pm = new Pymalloc(Geometry.CPYTHON310, raw, arenas, false, false);
        freeAll(fill(3));
        assertEquals(0, pm.retainedArenas());
        assertEquals(1, arenas.live());
    }

    @Test
    void gilModeRefusesToKeepArenas() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Pymalloc(Geometry.CPYTHON310, raw, arenas, false, false, 4));
        assertEquals("pymalloc: 4 retained arenas: GIL mode gives arenas back as obmalloc does (0)", e.getMessage());
    }

    @Test
    void theRuntimeOptionSetsTheLimit() {
        try (PyMemRuntime rt = PyMemRuntime.builder().allocator("pymalloc")
                .option(PymallocProvider.RETAIN_OPTION, "0").build()) {
            Pymalloc p = Pymalloc.of(rt);
            long[] blocks = new long[2 * 63 * p.geometry().numBlocks(SZIDX_512)];
            for (int k = 0; k < blocks.length; k++) {
                blocks[k] = rt.objectMalloc(512);
            }
            for (long b : blocks) {
                rt.objectFree(b);
            }
            assertEquals(0, p.retainedArenas());
        }
    }

    @Test
    void aRetainOptionThatIsNoCountIsASetupError() {
        AllocatorSetupException e = assertThrows(AllocatorSetupException.class, () -> PyMemRuntime.builder()
                .allocator("pymalloc").option(PymallocProvider.RETAIN_OPTION, "many").build());
        assertEquals("pymalloc.arena.retain=many: a count of arenas from 0 to 4096", firstLine(e.getMessage()));
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
