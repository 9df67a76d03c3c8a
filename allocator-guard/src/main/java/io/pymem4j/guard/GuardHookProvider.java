package io.pymem4j.guard;

import io.pymem4j.spi.HookContext;
import io.pymem4j.spi.HookProvider;

import java.util.Set;

/**
 * The hook layer {@code guard}: the debug layer's checks on a random sample of blocks, over
 * any backend ({@code pymalloc+guard}, {@code malloc+guard}, {@code pymalloc+guard+tracemalloc}).
 * Not transparent: its sampled blocks live in its own region, so it can only be set up
 * before a runtime's first allocation. Options: {@link GuardConfig}.
 *
 * @since 0.1
 */
public final class GuardHookProvider implements HookProvider {

    /** The layer's name in stack names. */
    public static final String NAME = "guard";

    /** Made by {@link java.util.ServiceLoader}, which finds this class in the module's services. */
    public GuardHookProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    /** The options this layer reads. */
    @Override
    public Set<String> optionKeys() {
        return GuardConfig.KEYS;
    }

    @Override
    public String description() {
        return "the debug hooks' checks and reports on one block in guard.sample (1000), chosen at random:"
                + " overflows, API misuse, double frees, writes after free, at production cost";
    }

    @Override
    public boolean transparent() {
        return false;
    }

    @Override
    public GuardHook create(HookContext context) {
        return new GuardHook(GuardConfig.from(context.runtime()::option), context.runtime());
    }
}
