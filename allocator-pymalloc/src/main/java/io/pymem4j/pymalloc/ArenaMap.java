package io.pymem4j.pymalloc;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorEx;

import java.lang.foreign.Arena;
import java.util.Arrays;

/**
 * The arena map of CPython 3.10+ ({@code WITH_PYMALLOC_RADIX_TREE}): a three-level radix
 * tree over the address space at arena granularity that answers "is this address inside
 * one of our arenas?" in O(1) without touching the memory the address points to.
 *
 * <p>All nodes live in native memory, {@code calloc}'d through the raw backend: the root
 * when the map is created (CPython keeps it in BSS; either way only touched pages become
 * resident), mid and leaf nodes when the first arena under them is marked. They are freed
 * only by {@link #free()}. A leaf holds, per ideal (ARENA_SIZE-aligned) arena slot, a pair
 * {@code arena_coverage_t {int32 tail_hi; int32 tail_lo}}: an arena based at B with
 * {@code tail = B & ARENA_SIZE_MASK} covers the slot of B from {@code tail_hi} up (-1 for
 * a whole aligned slot) and the next slot below {@code tail_lo}.
 *
 * <p>In threaded mode the leaves' pairs are kept a second time on the Java heap, in a
 * two-level table over the user half of the address space (the {@code mirror}), and
 * {@link #isUsed} reads that one: two array loads where the native tree takes four native
 * reads, each of which draws on the JIT's inlining budget. The native tree stays for the
 * statistics and answers for addresses above the mirror's 2^47. GIL mode reads the native
 * tree alone, as CPython does.
 *
 * <p>Not thread-safe by itself: {@link #markUsed} runs under the allocator's lock.
 * {@link #isUsed} may run without it; the package documentation says why that is sound.
 */
final class ArenaMap {

    private static final int TAIL_HI = 0;
    private static final int TAIL_LO = 4;
    private static final int COVERAGE_SIZE = 8;

    /**
     * The root every map has after {@link #free()}: one zeroed slot, never freed, under a
     * top mask of 0, so that {@link #isUsed} answers false for every address without reading
     * freed memory and without a check of its own.
     */
    private static final long EMPTY_ROOT = Arena.global().allocate(8).address();

    private final PyMemAllocatorEx raw;
    // Not final: free() points them at EMPTY_ROOT.
    private long root;
    private final int topShift;
    private long topMask;
    private final int midShift;
    private final long midMask;
    private final int botShift;
    private final long botMask;
    private final long arenaSize;
    private final long arenaSizeMask;
    private final long midBytes;
    private final long botBytes;
    private final long rootBytes;

    /** Bits of arena slots one leaf of the mirror covers. */
    private static final int MIRROR_LEAF_BITS = 14;
    private static final int MIRROR_LEAF_MASK = (1 << MIRROR_LEAF_BITS) - 1;
    /** Address bits the mirror covers: the user half of x86-64's and AArch64's 48-bit address space. */
    private static final int MIRROR_ADDRESS_BITS = 47;
    /**
     * Threaded mode: each arena slot's pair as {@code tail_hi << 32 | tail_lo}, leaves made
     * as arenas are marked; null in GIL mode. Emptied (never freed) by {@link #free()}.
     */
    private final long[][] mirror;
    private final int mirrorShift;

    /** {@code arena_map_mid_count} and {@code arena_map_bot_count}. */
    private long midCount;
    private long botCount;

    ArenaMap(Geometry g, PyMemAllocatorEx raw, boolean javaMirror) {
        this.raw = raw;
        this.mirrorShift = g.arenaBits + MIRROR_LEAF_BITS;
        this.mirror = javaMirror ? new long[1 << (MIRROR_ADDRESS_BITS - mirrorShift)][] : null;
        this.topShift = g.mapTopShift;
        this.topMask = (1L << g.mapTopBits) - 1;
        this.midShift = g.mapMidShift;
        this.midMask = (1L << g.mapMidBits) - 1;
        this.botShift = g.mapBotShift;
        this.botMask = (1L << g.mapBotBits) - 1;
        this.arenaSize = g.arenaSize;
        this.arenaSizeMask = g.arenaSizeMask;
        this.rootBytes = g.mapRootBytes();
        this.midBytes = g.mapMidNodeBytes();
        this.botBytes = g.mapBotNodeBytes();
        this.root = raw.calloc(1, rootBytes);
        if (root == 0) {
            throw new OutOfMemoryError("pymalloc: cannot allocate the arena map root (" + rootBytes + " bytes)");
        }
    }

    /**
     * {@code arena_map_get}: the leaf entry ({@code arena_coverage_t}) for {@code p}, or 0 when
     * a node on the way is missing and {@code create} is false, or its calloc failed.
     */
    private long coverage(long p, boolean create) {
        long mid = child(root + (((p >>> topShift) & topMask) << 3), create, true);
        if (mid == 0) {
            return 0;
        }
        long bot = child(mid + (((p >>> midShift) & midMask) << 3), create, false);
        if (bot == 0) {
            return 0;
        }
        return bot + ((p >>> botShift) & botMask) * COVERAGE_SIZE;
    }

    /** The node a slot points to, calloc'ing a mid or leaf node first when it is missing and {@code create} is set. */
    private long child(long slot, boolean create, boolean isMid) {
        long node = NativeMemory.getLong(slot);
        if (node != 0 || !create) {
            return node;
        }
        node = raw.calloc(1, isMid ? midBytes : botBytes);
        if (node != 0) {
            NativeMemory.putLong(slot, node);
            if (isMid) {
                midCount++;
            } else {
                botCount++;
            }
        }
        return node;
    }

    /**
     * {@code arena_map_mark_used}: records that the arena at {@code base} is (or no longer is)
     * ours. Returns false only when marking needed a node and calloc failed.
     */
    boolean markUsed(long base, boolean used) {
        long here = coverage(base, used);
        if (here == 0) {
            return !used;
        }
        int tail = (int) (base & arenaSizeMask);
        if (tail == 0) {
            NativeMemory.putInt(here + TAIL_HI, used ? -1 : 0);
            mirrorPut(base, true, used ? -1 : 0);
            return true;
        }
        long nextBase = base + arenaSize;
        if (Long.compareUnsigned(nextBase, base) < 0) {
            // The arena reaches the top of the address space: nothing follows to mark.
            NativeMemory.putInt(here + TAIL_HI, used ? tail : 0);
            mirrorPut(base, true, used ? tail : 0);
            return true;
        }
        long next = coverage(nextBase, used);
        if (next == 0) {
            if (used) {
                return false;
            }
        } else {
            NativeMemory.putInt(next + TAIL_LO, used ? tail : 0);
            mirrorPut(nextBase, false, used ? tail : 0);
        }
        NativeMemory.putInt(here + TAIL_HI, used ? tail : 0);
        mirrorPut(base, true, used ? tail : 0);
        return true;
    }

    /** Sets the high ({@code tail_hi}) or low half of the mirror's pair for the slot of {@code p} (lock held). */
    private void mirrorPut(long p, boolean hi, int value) {
        long[][] m = mirror;
        long top = p >>> mirrorShift;
        if (m == null || top >= m.length) {
            return;
        }
        long[] leaf = m[(int) top];
        if (leaf == null) {
            if (value == 0) {
                return;
            }
            leaf = new long[1 << MIRROR_LEAF_BITS];
            m[(int) top] = leaf;
        }
        int i = (int) (p >>> botShift) & MIRROR_LEAF_MASK;
        long pair = leaf[i];
        leaf[i] = hi ? (pair & 0xFFFF_FFFFL) | ((long) value << 32) : (pair & ~0xFFFF_FFFFL) | (value & 0xFFFF_FFFFL);
    }

    /** {@code arena_map_is_used}: whether {@code p} lies inside one of our arenas. */
    boolean isUsed(long p) {
        long[][] m = mirror;
        if (m != null) {
            long top = p >>> mirrorShift;
            if (top < m.length) {
                long[] leaf = m[(int) top];
                if (leaf == null) {
                    return false;
                }
                long pair = leaf[(int) (p >>> botShift) & MIRROR_LEAF_MASK];
                int hi = (int) (pair >>> 32);
                int tail = (int) (p & arenaSizeMask);
                return tail < (int) pair || (tail >= hi && hi != 0);
            }
        }
        long here = coverage(p, false);
        if (here == 0) {
            return false;
        }
        int hi = NativeMemory.getInt(here + TAIL_HI);
        int lo = NativeMemory.getInt(here + TAIL_LO);
        int tail = (int) (p & arenaSizeMask);
        return tail < lo || (tail >= hi && hi != 0);
    }

    long midCount() {
        return midCount;
    }

    long botCount() {
        return botCount;
    }

    long rootBytes() {
        return rootBytes;
    }

    long midBytes() {
        return midBytes;
    }

    long botBytes() {
        return botBytes;
    }

    /**
     * Frees every node ({@code free_obmalloc_arenas}'s part for the map); from then on the
     * map is empty and {@link #isUsed} false everywhere. Not to be called twice.
     */
    void free() {
        for (long i = 0; i <= topMask; i++) {
            long mid = NativeMemory.getLong(root + (i << 3));
            if (mid == 0) {
                continue;
            }
            for (long j = 0; j <= midMask; j++) {
                long bot = NativeMemory.getLong(mid + (j << 3));
                if (bot != 0) {
                    raw.free(bot);
                }
            }
            raw.free(mid);
        }
        long old = root;
        topMask = 0;
        root = EMPTY_ROOT;
        raw.free(old);
        if (mirror != null) {
            Arrays.fill(mirror, null);
        }
    }
}
