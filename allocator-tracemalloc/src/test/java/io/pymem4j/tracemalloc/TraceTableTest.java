package io.pymem4j.tracemalloc;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The trace table against a {@link HashMap} model, on the address patterns its home slots
 * group together: runs of neighbouring blocks (16 bytes apart, a pool carved in a row),
 * blocks of less than 16-byte alignment (which share a home slot), and regions whose groups
 * collide, through growth and backward-shift deletions in a seeded random order.
 */
class TraceTableTest {

    private static final Traceback TB = Traceback.UNKNOWN;

    @Test
    void neighbouringBlocksOfManyRegionsAreFoundAfterGrowthAndRandomRemovals() {
        List<Long> addresses = new ArrayList<>();
        for (long region = 0; region < 400; region++) {
            long base = 0x7f00_0000_0000L + region * 0x1_0000L;
            for (int k = 0; k < 32; k++) {
                addresses.add(base + 16L * k);
            }
        }
        checkAgainstModel(addresses, 1);
    }

    @Test
    void blocksWithLessThanSixteenByteAlignmentShareHomeSlotsAndAreStillFound() {
        List<Long> addresses = new ArrayList<>();
        for (long a = 0x5555_0000L; a < 0x5555_0000L + 8 * 3000; a += 8) {
            addresses.add(a);
        }
        for (long a = 0x6666_0001L; a < 0x6666_0001L + 3 * 2000; a += 3) {
            addresses.add(a);
        }
        checkAgainstModel(addresses, 2);
    }

    @Test
    void aFreshTableTakesABlockAtAnyOffsetOfAPage() {
        for (long offset = 0; offset < 4096; offset += 8) {
            TraceTable table = new TraceTable();
            long a = 0x7f12_3456_7000L + offset;
            assertEquals(-1, table.put(a, 64, TB, false, false));
            int slot = table.find(a);
            assertEquals(64, table.sizeAt(slot));
            table.removeAt(slot);
            assertEquals(-1, table.find(a));
            assertEquals(0, table.size());
        }
    }

    @Test
    void sparseLargeBlocksAreFound() {
        List<Long> addresses = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 5000; i++) {
            addresses.add(random.nextLong(1, 1L << 47) & ~0xFFFL);
        }
        checkAgainstModel(addresses, 3);
    }

    /** Puts every address (sizes from a seeded draw), removes half in random order, replaces some; the table agrees with a map throughout. */
    private static void checkAgainstModel(List<Long> addresses, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        TraceTable table = new TraceTable();
        Map<Long, Long> model = new HashMap<>();
        for (long a : addresses) {
            long size = random.nextLong(1, 1 << 20);
            Long old = model.put(a, size);
            assertEquals(old == null ? -1 : old, table.put(a, size, TB, false, false));
        }
        List<Long> order = new ArrayList<>(model.keySet());
        for (int i = order.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            Long t = order.get(i);
            order.set(i, order.get(j));
            order.set(j, t);
        }
        for (int i = 0; i < order.size() / 2; i++) {
            long a = order.get(i);
            int slot = table.find(a);
            assertEquals(model.remove(a), table.sizeAt(slot));
            table.removeAt(slot);
        }
        for (int i = order.size() / 2; i < order.size(); i += 3) {
            long a = order.get(i);
            assertEquals(model.put(a, 7L), table.put(a, 7, TB, false, false));
        }
        assertEquals(model.size(), table.size());
        for (long a : addresses) {
            int slot = table.find(a);
            Long size = model.get(a);
            assertEquals(size == null ? -1 : size, slot < 0 ? -1 : table.sizeAt(slot), "address " + Long.toHexString(a));
        }
    }
}
