package io.pymem4j.debug;

import io.pymem4j.spi.HookContext;
import io.pymem4j.spi.HookProvider;

import java.util.Set;

/**
 * The hook layer {@code debug}: CPython's debug hooks ({@code PyMem_SetupDebugHooks}) over
 * any backend, as in {@code malloc_debug}, {@code pymalloc_debug}, {@code debug} or
 * {@code X+debug}. Not transparent: it adds a header and a trailer to every block, so it
 * can only be set up before a runtime's first allocation. Options: {@link DebugConfig}.
 *
 * @since 0.1
 */
public final class DebugHookProvider implements HookProvider {

    /** Made by {@link java.util.ServiceLoader}, which finds this class in the module's services. */
    public DebugHookProvider() {
    }

    /** The layer's name in stack names. */
    public static final String NAME = "debug";

    @Override
    public String name() {
        return NAME;
    }

    /** The options this layer reads. */
    @Override
    public Set<String> optionKeys() {
        return Set.of(DebugConfig.SERIALNO, DebugConfig.POLICY, DebugConfig.QUARANTINE_BYTES, DebugConfig.HISTORY,
                DebugConfig.FRAMES);
    }

    @Override
    public String description() {
        return "CPython's debug hooks: guard and fill bytes, API ids, serial numbers;"
                + " also names double frees, foreign pointers and writes after free";
    }

    @Override
    public boolean transparent() {
        return false;
    }

    @Override
    public DebugHook create(HookContext context) {
        return new DebugHook(DebugConfig.from(context.runtime()::option), context.runtime());
    }
}
