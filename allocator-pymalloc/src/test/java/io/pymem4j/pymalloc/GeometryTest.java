package io.pymem4j.pymalloc;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class GeometryTest {

    static final List<Geometry> PRESETS = Geometry.PRESETS;

    @Test
    void cpython310HasTheSixtyFourBitConstants() {
        Geometry g = Geometry.CPYTHON310;
        assertEquals(16, g.alignment);
        assertEquals(32, g.nbSmallSizeClasses);
        assertEquals(1 << 20, g.arenaSize);
        assertEquals(16 << 10, g.poolSize);
        assertEquals(48, g.poolOverhead);
        assertEquals(64, g.maxPoolsInArena);
        assertEquals(64, g.usedPoolsSize);
        assertEquals(List.of(15, 15, 14), List.of(g.mapTopBits, g.mapMidBits, g.mapBotBits));
        assertEquals(List.of(20, 34, 49), List.of(g.mapBotShift, g.mapMidShift, g.mapTopShift));
        assertEquals(List.of(262_144L, 262_144L, 131_072L), List.of(g.mapRootBytes(), g.mapMidNodeBytes(), g.mapBotNodeBytes()));
    }

    @Test
    void classicHasTheOldConstants() {
        Geometry g = Geometry.CLASSIC;
        assertEquals(8, g.alignment);
        assertEquals(64, g.nbSmallSizeClasses);
        assertEquals(256 << 10, g.arenaSize);
        assertEquals(4 << 10, g.poolSize);
        assertEquals(48, g.poolOverhead);
        assertEquals(64, g.maxPoolsInArena);
        assertEquals(128, g.usedPoolsSize);
    }

    @ParameterizedTest
    @FieldSource("PRESETS")
    void constantsAreDerivedAsObmallocDerivesThem(Geometry g) {
        assertEquals(1 << g.alignmentShift, g.alignment);
        assertEquals(Geometry.SMALL_REQUEST_THRESHOLD / g.alignment, g.nbSmallSizeClasses);
        assertEquals(1L << g.arenaBits, g.arenaSize);
        assertEquals(g.arenaSize - 1, g.arenaSizeMask);
        assertEquals(1 << g.poolBits, g.poolSize);
        assertEquals(g.poolSize - 1, g.poolSizeMask);
        assertEquals(g.arenaSize / g.poolSize, g.maxPoolsInArena);
        assertEquals(0, g.poolOverhead % g.alignment);
        assertEquals(true, g.poolOverhead >= Geometry.POOL_HEADER_SIZE && g.poolOverhead < Geometry.POOL_HEADER_SIZE + g.alignment);
        assertEquals(2 * ((g.nbSmallSizeClasses + 7) / 8) * 8, g.usedPoolsSize);
        assertEquals(Geometry.ADDRESS_BITS, g.arenaBits + g.mapBotBits + g.mapMidBits + g.mapTopBits);
        assertEquals(Geometry.ADDRESS_BITS, g.mapTopShift + g.mapTopBits);
        assertEquals(Geometry.SMALL_REQUEST_THRESHOLD, g.index2size(g.nbSmallSizeClasses - 1));
    }

    @ParameterizedTest
    @FieldSource("PRESETS")
    void everyRequestSizeMapsToTheSmallestClassThatHoldsIt(Geometry g) {
        for (int n = 1; n <= Geometry.SMALL_REQUEST_THRESHOLD; n++) {
            int i = g.size2index(n);
            assertEquals(true, g.index2size(i) >= n && (i == 0 || g.index2size(i - 1) < n), "request " + n);
        }
    }

    @Test
    void blocksPerPoolMatchTheCpython310Table() {
        Geometry g = Geometry.CPYTHON310;
        assertEquals(List.of(1021, 510, 340, 255, 204), List.of(g.numBlocks(0), g.numBlocks(1), g.numBlocks(2), g.numBlocks(3), g.numBlocks(4)));
        assertEquals(List.of(34, 32, 31), List.of(g.numBlocks(29), g.numBlocks(30), g.numBlocks(31)));
        assertEquals(List.of(0, 16, 336, 464), List.of(g.quantization(0), g.quantization(1), g.quantization(24), g.quantization(31)));
    }

    @Test
    void blocksPerPoolInTheClassicGeometry() {
        Geometry g = Geometry.CLASSIC;
        assertEquals(List.of(506, 253, 168, 126), List.of(g.numBlocks(0), g.numBlocks(1), g.numBlocks(2), g.numBlocks(3)));
        assertEquals(7, g.numBlocks(63));
    }

    @Test
    void namedPicksThePresetAndDefaultsToCpython310() {
        assertSame(Geometry.CPYTHON310, Geometry.named(null));
        assertSame(Geometry.CPYTHON310, Geometry.named(""));
        assertSame(Geometry.CLASSIC, Geometry.named("Classic"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Geometry.named("huge"));
        assertEquals("unknown pymalloc.geometry 'huge'; known: [cpython310, classic]", e.getMessage());
    }
}
