package io.pymem4j.tracemalloc;

import io.pymem4j.api.AllocatorSetupException;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.spi.Hook;
import io.pymem4j.spi.HookContext;
import io.pymem4j.spi.HookProvider;
import io.pymem4j.spi.RuntimeView;

import java.util.Set;

/**
 * The {@code tracemalloc} hook layer, found by {@link java.util.ServiceLoader}. Transparent:
 * it hands out the blocks below unchanged, so it can be added to or removed from a runtime
 * with live blocks. Creating it for a runtime applies the {@value Tracemalloc#OPTION}
 * option once (see {@link Tracemalloc}); naming it in a stack does not start tracing, and
 * the option alone adds it to any stack.
 *
 * @since 0.1
 */
public final class TracemallocHookProvider implements HookProvider {

    /** Made by {@link java.util.ServiceLoader}, which finds this class in the module's services. */
    public TracemallocHookProvider() {
    }

    @Override
    public String name() {
        return Tracemalloc.NAME;
    }

    /** The options this layer reads. */
    @Override
    public Set<String> optionKeys() {
        return Set.of(Tracemalloc.OPTION, Tracemalloc.SAMPLE_OPTION);
    }

    @Override
    public String description() {
        return "traces every block with the Java stack that allocated it (Python's tracemalloc)";
    }

    @Override
    public boolean transparent() {
        return true;
    }

    /**
     * {@value Tracemalloc#OPTION} = N >= 1 puts the layer on any stack, as
     * {@code PYTHONTRACEMALLOC} starts tracing whatever {@code PYTHONMALLOC} says, and so
     * does {@value Tracemalloc#SAMPLE_OPTION} above 0; a bad value fails the set-up with the
     * setting named.
     */
    @Override
    public boolean enabledByConfiguration(RuntimeView runtime) {
        // Both parsed (no short circuit), so that a bad value of either fails the set-up.
        return Tracemalloc.parseOption(runtime.option(Tracemalloc.OPTION)) > 0
                | Tracemalloc.parseSampleOption(runtime.option(Tracemalloc.SAMPLE_OPTION)) > 0;
    }

    /**
     * The tracer belongs to the runtime, not to the layer: {@link Tracemalloc#start()} puts the
     * layer on the runtime's stack, so it joins the stack of a {@link PyMemRuntime} only.
     */
    @Override
    public Hook create(HookContext context) {
        if (!(context.runtime() instanceof PyMemRuntime runtime)) {
            throw new AllocatorSetupException("the tracemalloc layer joins the stack of a PyMemRuntime only, not of "
                    + context.runtime().getClass().getName());
        }
        Tracemalloc tracer = Tracemalloc.of(runtime);
        tracer.applyConfiguration();
        return new TracemallocHook(tracer);
    }
}
