package io.pymem4j.pymalloc;

import java.util.List;
import java.util.Locale;

/**
 * What {@code _PyObject_DebugMallocStats} computes, as a typed snapshot, plus the arena
 * bytes held now and at most. {@link #report()} prints it as {@code sys._debugmallocstats()}
 * does (the pymalloc part, without the free-list lines that follow it in CPython).
 *
 * @param geometry               the preset the allocator runs with
 * @param classes                every size class, index order (the report shows those with pools)
 * @param arenasAllocatedTotal   {@code ntimes_arena_allocated}
 * @param arenasHighwater        {@code narenas_highwater}
 * @param arenasAllocatedCurrent arenas held now
 * @param unusedPools            free pools over all arenas: cached empty ones plus never carved
 * @param bytesLostToArenaAlignment POOL_SIZE per arena whose base is not pool-aligned
 * @param arenaMapMidNodes       arena map mid nodes allocated
 * @param arenaMapBotNodes       arena map leaf nodes allocated
 * @param arenaMapRootBytes      bytes of the arena map root
 * @param arenaMapMidNodeBytes   bytes of one mid node
 * @param arenaMapBotNodeBytes   bytes of one leaf node
 * @param rawAllocatedBlocks     {@code raw_allocated_blocks}
 * @param arenaBytesPeak         the most arena bytes held at once
 * @since 0.1
 */
public record PymallocStats(Geometry geometry, List<SizeClass> classes, long arenasAllocatedTotal,
                            long arenasHighwater, long arenasAllocatedCurrent, long unusedPools,
                            long bytesLostToArenaAlignment, long arenaMapMidNodes, long arenaMapBotNodes,
                            long arenaMapRootBytes, long arenaMapMidNodeBytes, long arenaMapBotNodeBytes,
                            long rawAllocatedBlocks, long arenaBytesPeak) {

    /**
     * One size class.
     *
     * @param index           {@code szidx}
     * @param size            block size in bytes
     * @param pools           pools in use (used or full; empty pools are not counted)
     * @param blocksInUse     blocks handed out from those pools
     * @param availableBlocks blocks those pools can still give, carved or not
     */
    public record SizeClass(int index, int size, long pools, long blocksInUse, long availableBlocks) {
    }

    public PymallocStats {
        classes = List.copyOf(classes);
    }

    /** {@code # arenas reclaimed}. */
    public long arenasReclaimed() {
        return arenasAllocatedTotal - arenasAllocatedCurrent;
    }

    /** Arena bytes held now. */
    public long arenaBytes() {
        return arenasAllocatedCurrent * geometry.arenaSize;
    }

    public long bytesInAllocatedBlocks() {
        return classes.stream().mapToLong(c -> c.blocksInUse() * c.size()).sum();
    }

    public long bytesInAvailableBlocks() {
        return classes.stream().mapToLong(c -> c.availableBlocks() * c.size()).sum();
    }

    public long bytesInUnusedPools() {
        return unusedPools * geometry.poolSize;
    }

    public long bytesLostToPoolHeaders() {
        return classes.stream().mapToLong(c -> c.pools() * geometry.poolOverhead).sum();
    }

    public long bytesLostToQuantization() {
        return classes.stream().mapToLong(c -> c.pools() * geometry.quantization(c.index())).sum();
    }

    /** The sum of the byte lines; equal to {@link #arenaBytes()}. */
    public long total() {
        return bytesInAllocatedBlocks() + bytesInAvailableBlocks() + bytesInUnusedPools() + bytesLostToPoolHeaders()
                + bytesLostToQuantization() + bytesLostToArenaAlignment;
    }

    /** Blocks in use in pools, over all classes. */
    public long blocksInUse() {
        return classes.stream().mapToLong(SizeClass::blocksInUse).sum();
    }

    /** {@code sys.getallocatedblocks()}: blocks in pools plus raw blocks. */
    public long allocatedBlocks() {
        return blocksInUse() + rawAllocatedBlocks;
    }

    /** Bytes of the arena map: root, mid and leaf nodes. */
    public long arenaMapBytes() {
        return arenaMapRootBytes + arenaMapMidNodes * arenaMapMidNodeBytes + arenaMapBotNodes * arenaMapBotNodeBytes;
    }

    /** The report, line for line as CPython 3.10+ prints it on a 64-bit build. */
    public String report() {
        StringBuilder out = new StringBuilder(2048);
        out.append("Small block threshold = ").append(Geometry.SMALL_REQUEST_THRESHOLD).append(", in ")
                .append(geometry.nbSmallSizeClasses).append(" size classes.\n\n");
        out.append("class   size   num pools   blocks in use  avail blocks\n");
        out.append("-----   ----   ---------   -------------  ------------\n");
        for (SizeClass c : classes) {
            if (c.pools() == 0) {
                continue;
            }
            out.append(String.format(Locale.ROOT, "%5d %6d %11d %15d %13d\n", c.index(), c.size(), c.pools(),
                    c.blocksInUse(), c.availableBlocks()));
        }
        out.append('\n');
        printone(out, "# arenas allocated total", arenasAllocatedTotal);
        printone(out, "# arenas reclaimed", arenasReclaimed());
        printone(out, "# arenas highwater mark", arenasHighwater);
        printone(out, "# arenas allocated current", arenasAllocatedCurrent);
        printone(out, arenasAllocatedCurrent + " arenas * " + geometry.arenaSize + " bytes/arena", arenaBytes());
        out.append('\n');
        printone(out, "# bytes in allocated blocks", bytesInAllocatedBlocks());
        printone(out, "# bytes in available blocks", bytesInAvailableBlocks());
        printone(out, unusedPools + " unused pools * " + geometry.poolSize + " bytes", bytesInUnusedPools());
        printone(out, "# bytes lost to pool headers", bytesLostToPoolHeaders());
        printone(out, "# bytes lost to quantization", bytesLostToQuantization());
        printone(out, "# bytes lost to arena alignment", bytesLostToArenaAlignment);
        printone(out, "Total", total());
        out.append("\narena map counts\n");
        printone(out, "# arena map mid nodes", arenaMapMidNodes);
        printone(out, "# arena map bot nodes", arenaMapBotNodes);
        out.append('\n');
        printone(out, "# bytes lost to arena map root", arenaMapRootBytes);
        printone(out, "# bytes lost to arena map mid", arenaMapMidNodes * arenaMapMidNodeBytes);
        printone(out, "# bytes lost to arena map bot", arenaMapBotNodes * arenaMapBotNodeBytes);
        printone(out, "Total", arenaMapBytes());
        return out.toString();
    }

    /**
     * obmalloc's {@code printone}: the label padded with spaces to 35 columns, {@code =}, and
     * the value right-aligned in 21 columns with {@code ,} between thousands.
     */
    static void printone(StringBuilder out, String label, long value) {
        out.append(label);
        for (int i = label.length(); i < 35; i++) {
            out.append(' ');
        }
        out.append('=').append(String.format(Locale.ROOT, "%,21d", value)).append('\n');
    }

    @Override
    public String toString() {
        return report();
    }
}
