package io.pymem4j.failing;

import io.pymem4j.spi.HookContext;
import io.pymem4j.spi.HookProvider;

import java.util.Set;

/**
 * The hook layer {@code failing}, found by {@link java.util.ServiceLoader}: name it in a stack
 * ({@code pymalloc+failing}, {@code malloc+failing+debug}) and it makes the allocation calls
 * its {@link FailurePlan} chooses return NULL. The plan comes from the runtime options
 * ({@code failing.start}, ...) when the layer is created, and can be changed at any time
 * through {@link FailingHook#of}. Transparent: it hands out the blocks below unchanged, so it
 * can be added to a runtime that is in use, as {@code set_nomemory} installs its hooks in a
 * running interpreter.
 *
 * @since 0.1
 */
public final class FailingHookProvider implements HookProvider {

    /** Made by {@link java.util.ServiceLoader}, which finds this class in the module's services. */
    public FailingHookProvider() {
    }

    /** The layer's name in stack names. */
    public static final String NAME = "failing";

    @Override
    public String name() {
        return NAME;
    }

    /** The options this layer reads. */
    @Override
    public Set<String> optionKeys() {
        return Set.of(FailurePlan.START, FailurePlan.STOP, FailurePlan.PROBABILITY, FailurePlan.SEED, FailurePlan.DOMAINS);
    }

    @Override
    public String description() {
        return "makes chosen allocations return NULL (the k-th to the m-th, or at random with a seed, per domain),"
                + " as _testcapi.set_nomemory does";
    }

    @Override
    public boolean transparent() {
        return true;
    }

    @Override
    public FailingHook create(HookContext context) {
        return new FailingHook(FailurePlan.fromOptions(context.runtime()::option));
    }
}
