package io.pymem4j.spi;

import io.pymem4j.api.InterpreterLock;

import java.util.Optional;

/**
 * What a provider may ask of the runtime whose stack it joins: its configuration, its GIL
 * mode and lock, and the layers of its current stack. The runtime implements it and hands it
 * to providers ({@link BackendContext}, {@link HookContext},
 * {@link HookProvider#enabledByConfiguration}, {@link RuntimeStatistics#collect}), so the SPI
 * names no class of the runtime that assembles stacks.
 *
 * @since 0.1
 */
public interface RuntimeView {

    /**
     * A configuration value for providers ({@code pymalloc.geometry}, ...): the runtime
     * builder's option, else the system property {@code pymem4j.KEY}, else the environment
     * variable {@code PYMEM4J_KEY} (upper case, dots as underscores), else null.
     */
    String option(String key);

    /** True in GIL mode: MEM and OBJ callers hold {@link #interpreterLock()}. */
    boolean gilMode();

    /** The interpreter lock of a runtime in GIL mode; null otherwise. */
    InterpreterLock interpreterLock();

    /**
     * The state of a hook layer of the current stack that is a {@code type} (the topmost
     * such), e.g. the tracer behind {@link BlockTracebacks}: how one layer finds another
     * without depending on its module.
     */
    <T> Optional<T> findHook(Class<T> type);

    /**
     * The backend instance of the current stack that is a {@code type} (the MEM/OBJ
     * backend, else the RAW one), e.g. pymalloc for its statistics: reached without
     * handing an allocator out, so it does not count as first use.
     */
    <T> Optional<T> findBackend(Class<T> type);

    /**
     * A number that changes whenever the runtime's stack is set up again (a layer added or
     * removed), so that a layer may keep what {@link #findHook} found and look again only
     * when it changed: one read where {@code findHook} takes the runtime's lock. A view whose
     * stack never changes may keep the default, 0.
     */
    default int stackVersion() {
        return 0;
    }
}
