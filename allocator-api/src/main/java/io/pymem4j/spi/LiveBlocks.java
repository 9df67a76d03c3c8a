package io.pymem4j.spi;

import io.pymem4j.api.PyMemAllocatorDomain;

import java.util.List;
import java.util.Objects;

/**
 * What one layer knows of the blocks still live when its runtime closes
 * ({@link LayerLifecycle#beforeClose()}): how many, how many bytes, and some of them.
 *
 * @param layer  the layer's name ({@code debug}, {@code pymalloc}, {@code tracemalloc})
 * @param blocks the count of live blocks the layer knows of
 * @param bytes  their bytes as the layer knows them (requested sizes for the debug layer and
 *               tracemalloc, size classes for pymalloc's pool blocks, whose count of larger
 *               blocks sent to the raw backend has no size), or -1 when it knows no size
 * @param sample up to {@link #SAMPLE} of them, with the address, size and, when traced, the
 *               allocation's traceback; empty when the layer keeps no list of blocks
 *
 * @since 0.1
 */
public record LiveBlocks(String layer, long blocks, long bytes, List<Block> sample) {

    /** The most blocks a layer lists in {@link #sample()}. */
    public static final int SAMPLE = 10;

    public LiveBlocks {
        Objects.requireNonNull(layer, "layer");
        sample = List.copyOf(sample);
    }

    /** A count with no list of blocks. */
    public static LiveBlocks counted(String layer, long blocks, long bytes) {
        return new LiveBlocks(layer, blocks, bytes, List.of());
    }

    /**
     * One live block.
     *
     * @param domain    the domain that made it, or null when the layer does not know
     * @param address   the address its user got
     * @param size      its size as the layer knows it
     * @param traceback where it was allocated, most recent first, when traced; else empty
     */
    public record Block(PyMemAllocatorDomain domain, long address, long size,
                        List<BlockTracebacks.SourceLine> traceback) {
        public Block {
            traceback = traceback == null ? List.of() : List.copyOf(traceback);
        }
    }
}
