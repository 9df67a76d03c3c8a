package io.pymem4j.runtime;

import io.pymem4j.spi.LiveBlocks;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * What was live when a runtime closed: each counting layer's {@link LiveBlocks}, top layer
 * first. Returned by {@link PyMemRuntime#closeAndReport()}; {@link PyMemRuntime#close()} logs
 * the same text ({@link #summary()}) at WARN when it is not clean.
 *
 * <p>Layers count at their own height, so they see the same blocks: the debug layer every
 * block made through it, pymalloc every block it handed out (pool blocks with their size
 * class, larger ones without a size), tracemalloc the blocks traced since tracing started. A
 * stack of layers that count nothing (plain {@code malloc}) gives no count:
 * {@link #counted()} is false and the report cannot tell a leak.
 *
 * @param stack  the stack's name
 * @param layers what each counting layer found, top first; empty when none counts
 * @since 0.1
 */
public record CloseReport(String stack, List<LiveBlocks> layers) {

    public CloseReport {
        Objects.requireNonNull(stack, "stack");
        layers = List.copyOf(layers);
    }

    /** True when some layer of the stack counts live blocks. */
    public boolean counted() {
        return !layers.isEmpty();
    }

    /** True when no counting layer found a live block (also when none counts: see {@link #counted()}). */
    public boolean clean() {
        return liveBlocks() <= 0;
    }

    /** The live blocks: the largest count a layer gave (a tracer may know fewer), or -1 when no layer counts. */
    public long liveBlocks() {
        return best() == null ? -1 : best().blocks();
    }

    /** The live bytes as the layer of {@link #liveBlocks()} knows them, or -1. */
    public long liveBytes() {
        return best() == null ? -1 : best().bytes();
    }

    private LiveBlocks best() {
        LiveBlocks best = null;
        for (LiveBlocks l : layers) {
            if (best == null || l.blocks() > best.blocks()) {
                best = l;
            }
        }
        return best;
    }

    /**
     * The report as the log shows it: a line for the runtime, a line per counting layer, and
     * a line per sampled block with its traceback's frames below it.
     */
    public String summary() {
        StringBuilder sb = new StringBuilder("runtime '").append(stack).append("' closed");
        if (!counted()) {
            return sb.append(": no layer of its stack counts live blocks").toString();
        }
        sb.append(" with ").append(liveBlocks()).append(liveBlocks() == 1 ? " live block" : " live blocks");
        for (LiveBlocks l : layers) {
            sb.append("\n  ").append(l.layer()).append(": ").append(l.blocks()).append(" blocks");
            if (l.bytes() >= 0) {
                sb.append(", ").append(l.bytes()).append(" bytes");
            }
            for (LiveBlocks.Block b : l.sample()) {
                sb.append("\n    0x").append(Long.toHexString(b.address())).append(": ").append(b.size()).append(" bytes");
                if (b.domain() != null) {
                    sb.append(" (").append(b.domain().name().toLowerCase(Locale.ROOT)).append(')');
                }
                b.traceback().forEach(f -> sb.append("\n      File \"").append(f.filename()).append("\", line ")
                        .append(f.lineno()));
            }
            if (l.sample().size() < l.blocks() && !l.sample().isEmpty()) {
                sb.append("\n    ...");
            }
        }
        return sb.toString();
    }
}
