package io.pymem4j.pymalloc;

import java.util.List;
import java.util.Locale;

/**
 * The tunables of one obmalloc build and every constant obmalloc derives from them.
 *
 * <p>Only three numbers are chosen per preset: {@code ALIGNMENT_SHIFT}, {@code ARENA_BITS}
 * and {@code POOL_BITS}. Everything else follows the way {@code Objects/obmalloc.c} and
 * {@code pycore_obmalloc.h} derive it: a shift gives a size, a size gives a mask;
 * {@code NB_SMALL_SIZE_CLASSES = SMALL_REQUEST_THRESHOLD / ALIGNMENT};
 * {@code MAX_POOLS_IN_ARENA = ARENA_SIZE / POOL_SIZE}; {@code POOL_OVERHEAD} is the 48-byte
 * pool header rounded up to {@code ALIGNMENT}; and the arena map (radix tree) splits the
 * address bits above {@code ARENA_BITS} into three levels as the 64-bit 3.11+ build does.
 *
 * <p>Presets, chosen with the runtime option {@value #OPTION}:
 * <ul>
 *   <li>{@code cpython310} (the default): 64-bit CPython 3.10 and later: 16-byte
 *       alignment, 32 classes, 1 MiB arenas, 16 KiB pools, 64 pools per arena.</li>
 *   <li>{@code classic}: CPython up to 3.9 with 8-byte alignment (and 32-bit builds):
 *       8-byte steps, 64 classes, 256 KiB arenas, 4 KiB pools, 64 pools per arena. Blocks
 *       are then only 8-byte aligned. Ownership still uses the arena map rather than
 *       3.9's {@code address_in_range}, which reads a pool header in memory pymalloc may
 *       not own.</li>
 * </ul>
 *
 * @since 0.1
 */
public final class Geometry {

    /** The runtime option naming the preset. */
    public static final String OPTION = "pymalloc.geometry";

    /** Bytes in {@code struct pool_header} on 64-bit (before rounding to ALIGNMENT). */
    public static final int POOL_HEADER_SIZE = 48;
    /** Requests above this go to the raw allocator. */
    public static final int SMALL_REQUEST_THRESHOLD = 512;
    /** The {@code arenas} vector's first length. */
    public static final int INITIAL_ARENA_OBJECTS = 16;
    /** {@code szidx} of a freshly carved pool that has no class yet. */
    public static final int DUMMY_SIZE_IDX = 0xffff;
    /** The address bits the arena map covers (64-bit builds since 3.11, bpo-45526). */
    public static final int ADDRESS_BITS = 64;

    public static final Geometry CPYTHON310 = new Geometry("cpython310", 4, 20, 14);
    public static final Geometry CLASSIC = new Geometry("classic", 3, 18, 12);

    /** The presets, default first. */
    public static final List<Geometry> PRESETS = List.of(CPYTHON310, CLASSIC);

    public final String name;

    public final int alignmentShift;
    public final int alignment;
    public final int nbSmallSizeClasses;

    public final int arenaBits;
    public final long arenaSize;
    public final long arenaSizeMask;

    public final int poolBits;
    public final int poolSize;
    public final long poolSizeMask;

    public final int maxPoolsInArena;
    public final int poolOverhead;
    /** Pointers in {@code usedpools}: two per class, classes rounded up to a multiple of 8. */
    public final int usedPoolsSize;

    /** Arena map: bits per interior level, bits per leaf, and the shifts of the three levels. */
    public final int interiorBits;
    public final int mapTopBits;
    public final int mapMidBits;
    public final int mapBotBits;
    public final int mapBotShift;
    public final int mapMidShift;
    public final int mapTopShift;

    private Geometry(String name, int alignmentShift, int arenaBits, int poolBits) {
        this.name = name;
        this.alignmentShift = alignmentShift;
        this.alignment = 1 << alignmentShift;
        this.nbSmallSizeClasses = SMALL_REQUEST_THRESHOLD / alignment;

        this.arenaBits = arenaBits;
        this.arenaSize = 1L << arenaBits;
        this.arenaSizeMask = arenaSize - 1;

        this.poolBits = poolBits;
        this.poolSize = 1 << poolBits;
        this.poolSizeMask = poolSize - 1;

        this.maxPoolsInArena = (int) (arenaSize / poolSize);
        this.poolOverhead = roundUp(POOL_HEADER_SIZE, alignment);
        this.usedPoolsSize = 2 * ((nbSmallSizeClasses + 7) / 8) * 8;

        this.interiorBits = (ADDRESS_BITS - arenaBits + 2) / 3;
        this.mapTopBits = interiorBits;
        this.mapMidBits = interiorBits;
        this.mapBotBits = ADDRESS_BITS - arenaBits - 2 * interiorBits;
        this.mapBotShift = arenaBits;
        this.mapMidShift = mapBotBits + mapBotShift;
        this.mapTopShift = mapMidBits + mapMidShift;
    }

    /**
     * The preset named {@code name}; null or empty gives the default.
     *
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static Geometry named(String name) {
        if (name == null || name.isBlank()) {
            return CPYTHON310;
        }
        String key = name.trim().toLowerCase(Locale.ROOT);
        for (Geometry g : PRESETS) {
            if (g.name.equals(key)) {
                return g;
            }
        }
        throw new IllegalArgumentException("unknown " + OPTION + " '" + name + "'; known: "
                + PRESETS.stream().map(g -> g.name).toList());
    }

    /** {@code INDEX2SIZE}: the block size of class {@code szidx}. */
    public int index2size(int szidx) {
        return (szidx + 1) << alignmentShift;
    }

    /** {@code SIZE2INDEX}: the class of a request of {@code nbytes} (1..512) bytes. */
    public int size2index(long nbytes) {
        return (int) ((nbytes - 1) >>> alignmentShift);
    }

    /** {@code NUMBLOCKS}: blocks in one pool of class {@code szidx}. */
    public int numBlocks(int szidx) {
        return (poolSize - poolOverhead) / index2size(szidx);
    }

    /** Bytes at the end of a pool of class {@code szidx} that no block can use. */
    public int quantization(int szidx) {
        return (poolSize - poolOverhead) % index2size(szidx);
    }

    /** Bytes of one arena map leaf ({@code arena_map_bot_t}: one 8-byte coverage pair per ideal arena). */
    public long mapBotNodeBytes() {
        return 8L << mapBotBits;
    }

    /** Bytes of one arena map mid node (pointers to leaves). */
    public long mapMidNodeBytes() {
        return 8L << mapMidBits;
    }

    /** Bytes of the arena map root (pointers to mid nodes). */
    public long mapRootBytes() {
        return 8L << mapTopBits;
    }

    /**
     * The multipliers and limits of free's block-boundary check in {@link Pymalloc}: for a block size {@code d}, the
     * multiplier {@code c = floor(2^64 / d) + 1} and {@code e = c * d - 2^64}, in (0, d].
     * For an offset {@code n < 2^32} from the pool's first block, {@code n * c mod 2^64} is
     * {@code k * e} when {@code n = k * d}, and at least {@code c} (above 2^55) otherwise,
     * so one unsigned compare with {@code (numBlocks - 1) * e} tells that {@code n} is the
     * offset of one of the pool's blocks, without a division.
     */
    long[] blockChecks() {
        long[] checks = new long[2 * nbSmallSizeClasses];
        for (int i = 0; i < nbSmallSizeClasses; i++) {
            long d = index2size(i);
            long floor = Long.divideUnsigned(-1L, d) + ((d & (d - 1)) == 0 ? 1 : 0);
            long c = floor + 1;
            long e = c * d;
            checks[2 * i] = c;
            checks[2 * i + 1] = (numBlocks(i) - 1) * e;
        }
        return checks;
    }

    private static int roundUp(int n, int to) {
        return (n + to - 1) & -to;
    }

    @Override
    public String toString() {
        return name + " (" + nbSmallSizeClasses + " classes of " + alignment + " bytes, " + (arenaSize >> 10)
                + " KiB arenas, " + (poolSize >> 10) + " KiB pools)";
    }
}
