package io.pymem4j.debug;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.pymem4j.api.PyMemAllocatorDomain.MEM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The block table is bounded by the live blocks, not by the addresses ever used, and a table that cannot grow fails the call. */
class TableBoundsTest {

    private static final BlockTable.Check PASSES = (p, size, serial) -> null;
    private static final long REGION = 1L << 16;
    private static final long BASE = 0x7f00_0000_0000L;
    /** The most a table with one live region holds: the leaves a sweep waits for, one more, and a mid node. */
    private static final long BOUND = (LeafTree.SWEEP_MIN_LEAVES + 1) * LeafTree.LEAF_BYTES + LeafTree.MID_BYTES;

    @Test
    void pairsInEverNewRegionsLeaveTheTableWithinASmallBound() {
        BlockTable t = new BlockTable(16);
        for (int i = 0; i < 3_000; i++) {
            long p = BASE + i * REGION + 16;
            t.adopt(p, 200 << 10, i + 1, MEM);
            t.take(p, MEM, false, PASSES);
        }
        assertTrue(t.javaHeapBytes() <= BOUND, t.javaHeapBytes() + " bytes, over " + BOUND);
    }

    @Test
    void aSweepKeepsTheLeavesOfLiveBlocks() {
        BlockTable t = new BlockTable(16);
        long live = BASE - REGION + 48;
        t.adopt(live, 16, 1, MEM);
        for (int i = 0; i < 1_000; i++) {
            long p = BASE + i * REGION + 16;
            t.adopt(p, 16, i + 2, MEM);
            t.take(p, MEM, false, PASSES);
        }
        assertEquals(new BlockTable.Entry(live, BlockTable.Kind.LIVE, 16, 1, MEM, MEM, 0, true), t.lookup(live));
        assertEquals(1, t.liveBlocks());
        assertEquals(16, t.take(live, MEM, false, PASSES));
    }

    @Test
    void aFreeWhoseLeafWasGivenBackIsStillNamedFromTheHistory() {
        BlockTable t = new BlockTable(10_000);
        long first = BASE + 16;
        for (int i = 0; i < 1_000; i++) {
            long p = BASE + i * REGION + 16;
            t.adopt(p, 16, i + 1, MEM);
            t.take(p, MEM, false, PASSES);
        }
        assertTrue(t.leaves() < 1_000, "the first leaves were given back");
        assertEquals(new BlockTable.Entry(first, BlockTable.Kind.FREED, 16, 1, MEM, MEM, 0, true), t.lookup(first));
        assertEquals(BlockTable.NOT_LIVE, t.take(first, MEM, false, PASSES));
    }

    @Test
    void blocksAdoptedWhileOtherThreadsSweepAreAllFoundLive() throws InterruptedException {
        BlockTable t = new BlockTable(16);
        int threads = 4;
        long[] lost = new long[threads];
        Thread[] workers = new Thread[threads];
        for (int w = 0; w < threads; w++) {
            int id = w;
            workers[w] = Thread.ofPlatform().start(() -> {
                long base = BASE + id * (1L << 32);
                for (int i = 0; i < 5_000; i++) {
                    long p = base + (i % 300) * REGION + 16;
                    if (!t.adopt(p, 64, i + 1, MEM) || t.take(p, MEM, false, PASSES) != 64) {
                        lost[id]++;
                    }
                }
            });
        }
        for (Thread w : workers) {
            w.join();
        }
        assertEquals(0, lost[0] + lost[1] + lost[2] + lost[3]);
        assertTrue(t.javaHeapBytes() <= 4 * BOUND, t.javaHeapBytes() + " bytes");
    }

    @Test
    void aTableThatCannotMakeALeafRecordsNothingAndSaysSo() {
        BlockTable t = new BlockTable(16);
        t.tree.newLeaf = n -> {
            throw new OutOfMemoryError("test: Java heap space");
        };
        assertEquals(BlockTable.NO_ROOM, t.adopt(BASE + 16, 16, 1, MEM));
        assertNull(t.lookup(BASE + 16));
        assertEquals(0, t.leaves());
    }

    @Test
    void aMallocTheTableCannotRecordIsNullAndItsBlockGoesBackToTheBackend() {
        Fixture f = new Fixture();
        f.hook.table().tree.newLeaf = n -> {
            throw new OutOfMemoryError("test: Java heap space");
        };
        DebugAllocator a = f.allocator(MEM);
        assertEquals(0, a.malloc(16));
        assertEquals(0, a.calloc(2, 8));
        assertEquals(0, f.backend.liveBlocks());
        assertEquals(2, f.backend.frees.get());
    }

    /** {@link TableBoundMain} under -Xmx32m (its backend's native space is not Java heap): 3,000 pairs in ever-new regions end with no error and no block left in the backend. */
    @Test
    void threeThousandPairsInEverNewRegionsFitA32MiBHeap() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(List.of(java, "-Xmx32m", "-XX:MaxDirectMemorySize=512m",
                "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), TableBoundMain.class.getName(), "3000"))
                .redirectErrorStream(true)
                .start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), out);
        assertTrue(out.contains("pairs=3000 null=0 backend.live=0\n"), out);
    }
}
