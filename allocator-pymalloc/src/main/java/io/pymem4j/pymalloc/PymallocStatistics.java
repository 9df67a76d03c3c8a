package io.pymem4j.pymalloc;

import io.pymem4j.spi.RuntimeStatistics;
import io.pymem4j.spi.RuntimeView;

import java.util.Map;

/**
 * The {@code pymalloc} section of a runtime's MXBean (keys in the package documentation): the
 * arena and block figures of {@code sys._debugmallocstats()}, from one {@link Pymalloc#stats()}
 * snapshot (taken under pymalloc's lock). Nothing when the backend is not pymalloc.
 *
 * @since 0.1
 */
public final class PymallocStatistics implements RuntimeStatistics {

    /** Made by {@link java.util.ServiceLoader}, which finds this class in the module's services. */
    public PymallocStatistics() {
    }

    @Override
    public void collect(RuntimeView runtime, Map<String, Long> figures) {
        runtime.findBackend(Pymalloc.class).ifPresent(p -> {
            PymallocStats s = p.stats();
            figures.put("pymalloc.arenas.allocated", s.arenasAllocatedCurrent());
            figures.put("pymalloc.arenas.highwater", s.arenasHighwater());
            figures.put("pymalloc.arenas.total", s.arenasAllocatedTotal());
            figures.put("pymalloc.arenas.reclaimed", s.arenasReclaimed());
            figures.put("pymalloc.arenas.bytes", s.arenaBytes());
            figures.put("pymalloc.arenas.bytes.peak", s.arenaBytesPeak());
            figures.put("pymalloc.pools.unused", s.unusedPools());
            figures.put("pymalloc.blocks.allocated", s.allocatedBlocks());
            figures.put("pymalloc.blocks.raw", s.rawAllocatedBlocks());
            figures.put("pymalloc.bytes.allocated", s.bytesInAllocatedBlocks());
        });
    }
}
