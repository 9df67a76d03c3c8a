package io.pymem4j.guard;

import io.pymem4j.spi.RuntimeStatistics;
import io.pymem4j.spi.RuntimeView;

import java.util.Map;

/**
 * The {@code guard} section of a runtime's MXBean (keys in the package documentation): the
 * blocks the guard layer sampled, the checks it ran and the problems it found. Nothing when
 * the stack has no guard layer.
 *
 * @since 0.1
 */
public final class GuardStatistics implements RuntimeStatistics {

    /** Made by {@link java.util.ServiceLoader}, which finds this class in the module's services. */
    public GuardStatistics() {
    }

    @Override
    public void collect(RuntimeView runtime, Map<String, Long> figures) {
        GuardHook.of(runtime).ifPresent(g -> {
            figures.put("guard.blocks.sampled", g.sampledBlocks());
            figures.put("guard.blocks.checked", g.checkedBlocks());
            figures.put("guard.problems", g.problemsFound());
            figures.put("guard.blocks.unslotted", g.unslottedBlocks());
            figures.put("guard.blocks.tooLarge", g.tooLargeBlocks());
            figures.put("guard.blocks.live", (long) g.liveBlocks());
            figures.put("guard.quarantine.blocks", (long) g.quarantinedBlocks());
        });
    }
}
