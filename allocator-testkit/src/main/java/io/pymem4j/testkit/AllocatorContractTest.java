package io.pymem4j.testkit;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.spi.AlignedAllocation;
import io.pymem4j.spi.UsableSize;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.abort;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The {@link PyMemAllocatorEx} contract, as tests every implementation runs: extend it and
 * return the allocator under test (a fresh one per test where it has state). Ships as
 * {@code io.pymem4j:allocator-testkit} (test scope) for pymem4j's modules and third-party
 * backends.
 *
 * @since 0.1
 */
public abstract class AllocatorContractTest {

    /** For the subclass that names the allocator under test. */
    protected AllocatorContractTest() {
    }

    /** The allocator under test; called once per test. */
    protected abstract PyMemAllocatorEx allocator();

    /**
     * The alignment every block must have: 16 on 64-bit for libc and CPython 3.8+'s pymalloc;
     * a geometry with 8-byte size classes overrides it.
     */
    protected long expectedAlignment() {
        return 16;
    }

    /** A size no allocator can serve but that is still a valid size_t below PY_SSIZE_T_MAX. */
    protected static final long IMPOSSIBLE_SIZE = 1L << 62;

    @Test
    void anAllocatorThatAlignsGivesAlignedWritableBlocksItsFreeTakes() {
        PyMemAllocatorEx a = allocator();
        assumeTrue(a instanceof AlignedAllocation, "the allocator does not implement AlignedAllocation");
        AlignedAllocation aligned = (AlignedAllocation) a;
        try {
            a.free(aligned.alignedMalloc(64, 1));
        } catch (UnsupportedOperationException e) {
            abort("the allocator cannot align here: " + e.getMessage()); // a layer over an allocator that cannot
        }
        for (long alignment : new long[]{1, 16, 32, 64, 4096}) {
            for (long size : new long[]{0, 1, 100, 5000}) {
                long p = aligned.alignedMalloc(alignment, size);
                assertNotEquals(0, p, "alignedMalloc(" + alignment + ", " + size + ")");
                assertEquals(0, p % alignment, "alignedMalloc(" + alignment + ", " + size + ")");
                NativeMemory.fill(p, size, (byte) 0x5A);
                a.free(p);
            }
        }
        assertEquals(0, aligned.alignedMalloc(64, -1), "a size above PY_SSIZE_T_MAX");
    }

    @Test
    void anAllocatorThatKnowsSizesKnowsAtLeastWhatWasAsked() {
        PyMemAllocatorEx a = allocator();
        assumeTrue(a instanceof UsableSize, "the allocator does not implement UsableSize");
        for (long size : new long[]{1, 100, 512, 5000}) {
            long p = a.malloc(size);
            long usable = ((UsableSize) a).usableSize(p);
            assertTrue(usable == UsableSize.UNKNOWN || usable >= size, "usable size " + usable + " of a block of " + size);
            a.free(p);
        }
    }

    @Test
    void mallocOfZeroReturnsUniqueNonNullPointers() {
        PyMemAllocatorEx a = allocator();
        long p = a.malloc(0);
        long q = a.malloc(0);
        assertNotEquals(0, p);
        assertNotEquals(0, q);
        assertNotEquals(p, q);
        a.free(p);
        a.free(q);
    }

    @Test
    void mallocAboveSsizeMaxReturnsNull() {
        PyMemAllocatorEx a = allocator();
        assertEquals(0, a.malloc(-1));
        assertEquals(0, a.malloc(Long.MIN_VALUE));
    }

    @Test
    void mallocThatCannotBeServedReturnsNull() {
        assertEquals(0, allocator().malloc(IMPOSSIBLE_SIZE));
    }

    @Test
    void mallocReturnsWritableBlocksThatDoNotOverlap() {
        PyMemAllocatorEx a = allocator();
        long[] sizes = {1, 7, 8, 16, 17, 64, 100, 255, 256, 511, 512, 513, 1000, 4096, 70_000};
        long[] blocks = new long[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            blocks[i] = a.malloc(sizes[i]);
            assertNotEquals(0, blocks[i], "malloc(" + sizes[i] + ")");
            NativeMemory.fill(blocks[i], sizes[i], (byte) i);
        }
        for (int i = 0; i < sizes.length; i++) {
            assertEquals(-1, NativeMemory.findNot(blocks[i], sizes[i], (byte) i), "block of " + sizes[i] + " overwritten");
            a.free(blocks[i]);
        }
    }

    @Test
    void blocksAreAlignedAsTheAllocatorPromises() {
        PyMemAllocatorEx a = allocator();
        long mask = expectedAlignment() - 1;
        for (long size : new long[]{1, 8, 16, 24, 40, 100, 512, 600, 5000}) {
            long p = a.malloc(size);
            assertEquals(0, p & mask, "malloc(" + size + ") = 0x" + Long.toHexString(p));
            a.free(p);
        }
    }

    @Test
    void callocReturnsZeroedMemory() {
        PyMemAllocatorEx a = allocator();
        // Dirty some memory first so that a reused block would show.
        long dirty = a.malloc(4000);
        NativeMemory.fill(dirty, 4000, (byte) 0x5A);
        a.free(dirty);
        for (long[] args : new long[][]{{1, 16}, {10, 40}, {4000, 1}, {100, 600}}) {
            long p = a.calloc(args[0], args[1]);
            assertNotEquals(0, p);
            assertEquals(-1, NativeMemory.findNot(p, args[0] * args[1], (byte) 0), "calloc(" + args[0] + ", " + args[1] + ")");
            a.free(p);
        }
    }

    @Test
    void callocWithAZeroArgumentReturnsUniqueNonNullPointers() {
        PyMemAllocatorEx a = allocator();
        long p = a.calloc(0, 16);
        long q = a.calloc(16, 0);
        long r = a.calloc(0, 0);
        assertNotEquals(0, p);
        assertNotEquals(0, q);
        assertNotEquals(0, r);
        assertEquals(3, Set.of(p, q, r).size());
        a.free(p);
        a.free(q);
        a.free(r);
    }

    @Test
    void callocWhoseProductOverflowsReturnsNull() {
        PyMemAllocatorEx a = allocator();
        assertEquals(0, a.calloc(Long.MAX_VALUE / 2 + 1, 2));
        assertEquals(0, a.calloc(1L << 32, 1L << 32));
        assertEquals(0, a.calloc(-1, 1));
        assertEquals(0, a.calloc(1, -1));
        assertEquals(0, a.calloc(Long.MIN_VALUE, 1));
        assertEquals(0, a.calloc(1, Long.MIN_VALUE));
    }

    /**
     * As CPython's calloc: 0 times a {@code size_t} at or above 2^63 (a negative long) is 0
     * bytes, a valid request, and gives a block.
     */
    @Test
    void callocOfZeroTimesASizeAboveSsizeMaxReturnsABlock() {
        PyMemAllocatorEx a = allocator();
        long[][] calls = {{0, Long.MIN_VALUE}, {Long.MIN_VALUE, 0}, {0, -1}, {-1, 0}};
        Set<Long> blocks = new HashSet<>();
        for (long[] args : calls) {
            long p = a.calloc(args[0], args[1]);
            assertNotEquals(0, p, "calloc(" + Long.toUnsignedString(args[0]) + ", " + Long.toUnsignedString(args[1]) + ")");
            blocks.add(p);
        }
        assertEquals(calls.length, blocks.size(), "distinct blocks");
        for (long p : blocks) {
            a.free(p);
        }
    }

    @Test
    void reallocOfNullIsMalloc() {
        PyMemAllocatorEx a = allocator();
        long p = a.realloc(0, 100);
        assertNotEquals(0, p);
        NativeMemory.fill(p, 100, (byte) 1);
        a.free(p);
    }

    @Test
    void reallocToZeroReturnsANonNullBlock() {
        PyMemAllocatorEx a = allocator();
        for (long size : new long[]{8, 100, 1000}) {
            long p = a.malloc(size);
            long q = a.realloc(p, 0);
            assertNotEquals(0, q, "realloc(p, 0) of a " + size + "-byte block");
            a.free(q);
        }
    }

    @Test
    void reallocKeepsContentWhenGrowingAndShrinking() {
        PyMemAllocatorEx a = allocator();
        long[] path = {10, 30, 200, 512, 513, 3000, 100_000, 700, 64, 3};
        long p = a.malloc(path[0]);
        stamp(p, path[0]);
        for (int i = 1; i < path.length; i++) {
            long kept = Math.min(path[i - 1], path[i]);
            p = a.realloc(p, path[i]);
            assertNotEquals(0, p, "realloc to " + path[i]);
            assertStamped(p, kept);
            stamp(p, path[i]);
        }
        a.free(p);
    }

    @Test
    void failedReallocReturnsNullAndLeavesTheOldBlockValid() {
        PyMemAllocatorEx a = allocator();
        for (long size : new long[]{24, 300, 2000}) {
            long p = a.malloc(size);
            stamp(p, size);
            assertEquals(0, a.realloc(p, -1), "realloc above PY_SSIZE_T_MAX");
            assertEquals(0, a.realloc(p, IMPOSSIBLE_SIZE), "realloc that cannot be served");
            assertStamped(p, size);
            long q = a.realloc(p, size * 2);
            assertNotEquals(0, q);
            assertStamped(q, size);
            a.free(q);
        }
    }

    @Test
    void freeOfNullDoesNothing() {
        PyMemAllocatorEx a = allocator();
        a.free(0);
        long p = a.malloc(10);
        assertNotEquals(0, p);
        a.free(p);
    }

    @Test
    void manyLiveBlocksAreDistinct() {
        PyMemAllocatorEx a = allocator();
        int n = 20_000;
        long[] blocks = new long[n];
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < n; i++) {
            long size = 1 + (i * 37L) % 700;
            blocks[i] = a.malloc(size);
            assertTrue(seen.add(blocks[i]), "address handed out twice");
            NativeMemory.putByte(blocks[i], (byte) i);
        }
        for (int i = 0; i < n; i++) {
            assertEquals((byte) i, NativeMemory.getByte(blocks[i]));
            a.free(blocks[i]);
        }
    }

    /** Writes a pattern derived from each byte's offset. */
    public static void stamp(long p, long size) {
        for (long i = 0; i < size; i++) {
            NativeMemory.putByte(p + i, (byte) (i * 31 + 7));
        }
    }

    /** Checks the pattern {@link #stamp} wrote. */
    public static void assertStamped(long p, long size) {
        for (long i = 0; i < size; i++) {
            assertEquals((byte) (i * 31 + 7), NativeMemory.getByte(p + i), "byte " + i + " of " + size);
        }
    }
}
