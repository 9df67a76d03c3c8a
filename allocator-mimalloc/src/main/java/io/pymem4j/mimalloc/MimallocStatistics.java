package io.pymem4j.mimalloc;

import io.pymem4j.spi.RuntimeStatistics;
import io.pymem4j.spi.RuntimeView;

import java.util.Map;

/**
 * mimalloc's figures for the runtime's management bean, when its backend is mimalloc.
 * {@code mi_process_info} counts the whole process (mimalloc keeps no per-runtime state),
 * hence the section {@code mimalloc.process}: resident and committed bytes, now and at
 * most, and page faults.
 *
 * @since 0.1
 */
public final class MimallocStatistics implements RuntimeStatistics {

    /** Made by {@link java.util.ServiceLoader}, which finds this class in the module's services. */
    public MimallocStatistics() {
    }

    @Override
    public void collect(RuntimeView runtime, Map<String, Long> figures) {
        if (runtime.findBackend(MimallocAllocator.class).isEmpty()) {
            return;
        }
        MimallocLibrary.ProcessInfo info = MimallocLibrary.processInfo();
        figures.put("mimalloc.process.rss.current", info.currentRss());
        figures.put("mimalloc.process.rss.peak", info.peakRss());
        figures.put("mimalloc.process.commit.current", info.currentCommit());
        figures.put("mimalloc.process.commit.peak", info.peakCommit());
        figures.put("mimalloc.process.pageFaults", info.pageFaults());
    }
}
