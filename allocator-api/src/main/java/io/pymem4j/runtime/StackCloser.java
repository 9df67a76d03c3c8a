package io.pymem4j.runtime;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.spi.LayerLifecycle;
import io.pymem4j.spi.LiveBlocks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Closes a built stack's layers in the two rounds {@link LayerLifecycle} describes: every
 * layer's {@code beforeClose()} top first (hooks, then the MEM/OBJ backend, then RAW's),
 * then every layer's {@code close()} in the same order. A layer that throws does not stop
 * the others: the first exception is kept, the later ones suppressed in it.
 */
final class StackCloser {

    /**
     * What closing found.
     *
     * @param live    each counting layer's live blocks, top first
     * @param failure the first exception a layer threw, or null
     */
    record Result(List<LiveBlocks> live, Throwable failure) {
    }

    private StackCloser() {
    }

    static Result close(BuiltStack stack) {
        List<LayerLifecycle> layers = lifecycles(stack);
        List<LiveBlocks> live = new ArrayList<>();
        Throwable failure = null;
        for (LayerLifecycle l : layers) {
            try {
                LiveBlocks b = l.beforeClose();
                if (b != null) {
                    live.add(b);
                }
            } catch (RuntimeException | Error e) {
                failure = chain(failure, e);
            }
        }
        for (LayerLifecycle l : layers) {
            try {
                l.close();
            } catch (RuntimeException | Error e) {
                failure = chain(failure, e);
            }
        }
        return new Result(live, failure);
    }

    /**
     * Closes the backends of a stack replaced before the runtime's first use, which no block
     * and no caller can reach: their native memory (pymalloc's arena map and heaps) would
     * otherwise stay allocated. Its hook layers hold Java objects only, and share state with
     * the new stack's (tracemalloc's tracer is the runtime's): they are left to the collector.
     */
    static void closeReplaced(BuiltStack replaced) {
        for (LayerLifecycle l : lifecycles(replaced, false)) {
            l.close();
        }
    }

    /** The layers of {@code s} that take part in closing, top first, each once. */
    private static List<LayerLifecycle> lifecycles(BuiltStack s) {
        return lifecycles(s, true);
    }

    private static List<LayerLifecycle> lifecycles(BuiltStack s, boolean withHooks) {
        List<Object> candidates = new ArrayList<>(withHooks ? s.hooks().reversed() : List.of());
        for (PyMemAllocatorDomain d : new PyMemAllocatorDomain[]{PyMemAllocatorDomain.MEM, PyMemAllocatorDomain.OBJ,
                PyMemAllocatorDomain.RAW}) {
            candidates.add(s.layers().get(d).get(0));
        }
        Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<LayerLifecycle> out = new ArrayList<>();
        for (Object c : candidates) {
            if (c instanceof LayerLifecycle l && seen.add(c)) {
                out.add(l);
            }
        }
        return out;
    }

    /** {@code first} with {@code next} suppressed in it, or {@code next} when there is no first. */
    static Throwable chain(Throwable first, Throwable next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }
}
