package io.pymem4j.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The charts are PNG files, drawn without a display. */
class BenchChartTest {

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    @TempDir
    Path dir;

    private static void assertPng(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        assertArrayEquals(PNG_SIGNATURE, Arrays.copyOf(bytes, 8));
        BufferedImage image = ImageIO.read(file.toFile());
        assertEquals(1400, image.getWidth());
        assertEquals(800, image.getHeight());
    }

    @Test
    void theReplayChartIsAPngEvenWithATargetMissingATraceAndOneNotRun() throws IOException {
        Path png = dir.resolve("replay.png");
        BenchChart.replay(png, List.of(
                new ReplayFigures("compile", "C pymalloc", ReplayFigures.Kind.C, 1, 1, 10.4, 10, 1, 2, -1, -1, ""),
                new ReplayFigures("json", "C pymalloc", ReplayFigures.Kind.C, 1, 1, 13.2, 13, 1, 2, -1, -1, ""),
                new ReplayFigures("compile", "pymalloc:tracemalloc=10", ReplayFigures.Kind.STACK, 1, 1, 650, 600, 1, 2, -1,
                        -1, ""),
                ReplayFigures.notRun("json", "ffm-jemalloc", ReplayFigures.Kind.PEER, "missing")));
        assertPng(png);
    }

    @Test
    void thePairChartIsAPng() throws IOException {
        Path png = dir.resolve("jmh-pair.png");
        assertTrue(BenchChart.pairs(png, List.of(new JmhRow("Pair", "pymalloc", "", "64", 9.5, 0.2, "ns/op"),
                new JmhRow("Pair", "netty-pooled", "", "4096", 70, 3, "ns/op"))));
        assertPng(png);
    }

    @Test
    void withoutPairResultsThereIsNoPairChart() throws IOException {
        Path png = dir.resolve("jmh-pair.png");
        assertFalse(BenchChart.pairs(png, List.of(new JmhRow("Mixed", "pymalloc", "", "", 20, 1, "ns/op"))));
        assertFalse(Files.exists(png));
    }
}
