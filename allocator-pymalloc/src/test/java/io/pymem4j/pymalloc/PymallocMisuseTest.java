package io.pymem4j.pymalloc;

import io.pymem4j.raw.LibcAllocator;
import io.pymem4j.raw.MmapArenaAllocator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Misuse pymalloc refuses by itself, without the debug layer: frees of pointers that cannot be
 * blocks of their pools, and every call after {@link Pymalloc#close()}. (Double frees and frees
 * of blocks no longer live are the debug layer's to find.)
 */
class PymallocMisuseTest {

    private static Pymalloc pymalloc(boolean threaded) {
        return new Pymalloc(Geometry.CPYTHON310, LibcAllocator.INSTANCE, MmapArenaAllocator.INSTANCE, threaded);
    }

    private static long poolOf(Pymalloc pm, long p) {
        return p & ~pm.geometry().poolSizeMask;
    }

    @ParameterizedTest(name = "threaded={0}")
    @ValueSource(booleans = {false, true})
    void freeOfAnInteriorPointerIsRefusedAndTheBlockIsNotHandedOutAgain(boolean threaded) {
        try (Pymalloc pm = pymalloc(threaded)) {
            long p = pm.malloc(32);
            var e = assertThrows(IllegalArgumentException.class, () -> pm.free(p + 8));
            assertEquals("pymalloc: cannot free 0x" + Long.toHexString(p + 8)
                    + ": it is not the start of a block of its pool (blocks of 32 bytes from offset 48)", e.getMessage());
            long q = pm.malloc(32);
            assertNotEquals(p + 8, q);
            pm.free(q);
            pm.free(p);
        }
    }

    @ParameterizedTest(name = "threaded={0}")
    @ValueSource(booleans = {false, true})
    void reallocOfAnInteriorPointerIsRefusedBeforeAnythingMoves(boolean threaded) {
        try (Pymalloc pm = pymalloc(threaded)) {
            long p = pm.malloc(64);
            var e = assertThrows(IllegalArgumentException.class, () -> pm.realloc(p + 16, 200));
            assertEquals("pymalloc: cannot free 0x" + Long.toHexString(p + 16)
                    + ": it is not the start of a block of its pool (blocks of 64 bytes from offset 48)", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> pm.realloc(p + 16, 60));
            pm.free(p);
        }
    }

    @ParameterizedTest(name = "threaded={0}")
    @ValueSource(booleans = {false, true})
    void freeOfAPointerIntoThePoolHeaderIsRefused(boolean threaded) {
        try (Pymalloc pm = pymalloc(threaded)) {
            long p = pm.malloc(16);
            long pool = poolOf(pm, p);
            var e = assertThrows(IllegalArgumentException.class, () -> pm.free(pool + 16));
            assertTrue(e.getMessage().contains("not the start of a block"), e.getMessage());
            pm.free(p);
        }
    }

    /** 48-byte blocks leave 16 bytes at the end of a 16 KiB pool: a "block" there would overrun the pool. */
    @ParameterizedTest(name = "threaded={0}")
    @ValueSource(booleans = {false, true})
    void freeOfAPointerIntoThePoolsTailIsRefused(boolean threaded) {
        try (Pymalloc pm = pymalloc(threaded)) {
            long p = pm.malloc(48);
            Geometry g = pm.geometry();
            int sz = 48 / g.alignment - 1;
            long tail = poolOf(pm, p) + g.poolOverhead + (long) g.numBlocks(sz) * 48;
            assertEquals(16368, tail - poolOf(pm, p));
            var e = assertThrows(IllegalArgumentException.class, () -> pm.free(tail));
            assertTrue(e.getMessage().contains("not the start of a block"), e.getMessage());
            pm.free(p);
        }
    }

    @ParameterizedTest(name = "threaded={0}")
    @ValueSource(booleans = {false, true})
    void freeOfAPointerIntoAPoolNoHeapOwnsIsRefused(boolean threaded) {
        try (Pymalloc pm = pymalloc(threaded)) {
            long p = pm.malloc(32);
            long unused = poolOf(pm, p) + 4L * pm.geometry().poolSize + pm.geometry().poolOverhead;
            assertTrue(pm.owns(unused), "the pool lies in the same arena");
            var e = assertThrows(IllegalArgumentException.class, () -> pm.free(unused));
            assertEquals("pymalloc: cannot free 0x" + Long.toHexString(unused)
                    + ": it lies in a pool never handed out (no heap owns it)", e.getMessage());
            pm.free(p);
        }
    }

    @ParameterizedTest(name = "threaded={0}")
    @ValueSource(booleans = {false, true})
    void everyBlockBoundaryOfEveryClassIsStillAccepted(boolean threaded) {
        try (Pymalloc pm = pymalloc(threaded)) {
            Geometry g = pm.geometry();
            for (int sz = 0; sz < g.nbSmallSizeClasses; sz++) {
                int n = g.numBlocks(sz);
                long[] blocks = new long[n];
                for (int i = 0; i < n; i++) {
                    blocks[i] = pm.malloc(g.index2size(sz));
                }
                for (long b : blocks) {
                    pm.free(b);
                }
            }
        }
    }

    /**
     * Runs {@link ClosedPymallocProgram} in a JVM of its own: before the fix these calls
     * crashed the JVM (SIGSEGV in the heap's freed usedpools, or in libc's free).
     */
    @ParameterizedTest(name = "threaded={0}")
    @ValueSource(booleans = {false, true})
    void everyCallAfterCloseIsAnIllegalStateExceptionInEveryThread(boolean threaded) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
                "-XX:ErrorFile=" + System.getProperty("java.io.tmpdir") + "/hs_err_pid%p.log",
                "-cp", System.getProperty("java.class.path"), ClosedPymallocProgram.class.getName(),
                Boolean.toString(threaded)))
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), output);
        assertTrue(output.contains(ClosedPymallocProgram.DONE), output);
    }
}
