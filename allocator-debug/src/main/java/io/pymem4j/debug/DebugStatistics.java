package io.pymem4j.debug;

import io.pymem4j.spi.RuntimeStatistics;
import io.pymem4j.spi.RuntimeView;

import java.util.Map;

/**
 * The {@code debug} section of a runtime's MXBean (keys in the package documentation): the
 * debug layer's live blocks, serial number, quarantine and the Java heap of its block table.
 * Nothing when the stack has no debug layer.
 *
 * @since 0.1
 */
public final class DebugStatistics implements RuntimeStatistics {

    /** Made by {@link java.util.ServiceLoader}, which finds this class in the module's services. */
    public DebugStatistics() {
    }

    @Override
    public void collect(RuntimeView runtime, Map<String, Long> figures) {
        DebugHook.of(runtime).ifPresent(d -> {
            figures.put("debug.blocks.live", (long) d.liveBlocks());
            figures.put("debug.serialNumber", d.serialNumber());
            figures.put("debug.quarantine.blocks", (long) d.quarantinedBlocks());
            figures.put("debug.quarantine.bytes", d.quarantinedBytes());
            figures.put("debug.table.bytes", d.tableBytes());
        });
    }
}
