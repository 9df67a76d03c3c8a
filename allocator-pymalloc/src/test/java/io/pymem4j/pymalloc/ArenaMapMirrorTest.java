package io.pymem4j.pymalloc;

import io.pymem4j.raw.LibcAllocator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Threaded mode's Java copy of the arena map answers exactly as the native radix tree:
 * arenas aligned and not, next to each other, at the top of the mirror's range and above
 * it, marked and unmarked, and nothing after the map is freed. Marking reads no arena
 * memory, so the bases need not be mapped.
 */
class ArenaMapMirrorTest {

    static List<Geometry> geometries() {
        return Geometry.PRESETS;
    }

    /** Arena bases: aligned, misaligned by a page, two sharing a slot boundary, at 2^47's edge, above it. */
    private static List<Long> bases(Geometry g) {
        long a = g.arenaSize;
        return List.of(0x7f00_0000_0000L, 0x7f00_0000_0000L + 3 * a + 4096, 0x7f00_0000_0000L + 4 * a + 4096,
                0x5555_0000_0000L + a / 2, (1L << 47) - a - 8192, (1L << 47) + 5 * a + 64);
    }

    /** Addresses around each base and its end. */
    private static List<Long> probes(Geometry g) {
        List<Long> out = new ArrayList<>();
        for (long base : bases(g)) {
            for (long d : new long[]{-g.arenaSize, -1, 0, 1, 4096, g.arenaSize - 1, g.arenaSize, g.arenaSize + 1,
                    2 * g.arenaSize}) {
                out.add(base + d);
            }
        }
        out.add(0L);
        out.add(-1L);
        out.add(Long.MIN_VALUE);
        return out;
    }

    private static void assertSameAnswers(ArenaMap mirrored, ArenaMap nativeOnly, Geometry g, String when) {
        for (long p : probes(g)) {
            assertEquals(nativeOnly.isUsed(p), mirrored.isUsed(p), when + ": 0x" + Long.toHexString(p));
        }
    }

    @ParameterizedTest
    @MethodSource("geometries")
    void theJavaCopyAnswersAsTheNativeTreeAsArenasComeAndGo(Geometry g) {
        ArenaMap mirrored = new ArenaMap(g, LibcAllocator.INSTANCE, true);
        ArenaMap nativeOnly = new ArenaMap(g, LibcAllocator.INSTANCE, false);
        try {
            assertSameAnswers(mirrored, nativeOnly, g, "empty");
            for (long base : bases(g)) {
                assertTrue(mirrored.markUsed(base, true));
                assertTrue(nativeOnly.markUsed(base, true));
                assertTrue(mirrored.isUsed(base));
                assertTrue(mirrored.isUsed(base + g.arenaSize - 1));
                assertSameAnswers(mirrored, nativeOnly, g, "after marking 0x" + Long.toHexString(base));
            }
            for (long base : bases(g)) {
                mirrored.markUsed(base, false);
                nativeOnly.markUsed(base, false);
                assertFalse(mirrored.isUsed(base));
                assertSameAnswers(mirrored, nativeOnly, g, "after unmarking 0x" + Long.toHexString(base));
            }
        } finally {
            mirrored.free();
            nativeOnly.free();
        }
    }

    @ParameterizedTest
    @MethodSource("geometries")
    void afterFreeTheJavaCopyOwnsNothing(Geometry g) {
        ArenaMap mirrored = new ArenaMap(g, LibcAllocator.INSTANCE, true);
        long base = bases(g).getFirst();
        mirrored.markUsed(base, true);
        mirrored.free();
        assertFalse(mirrored.isUsed(base));
        assertFalse(mirrored.isUsed(base + 4096));
    }
}
