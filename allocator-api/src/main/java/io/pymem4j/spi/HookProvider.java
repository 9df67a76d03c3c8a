package io.pymem4j.spi;

/**
 * Provides a hook layer, which wraps the allocator below it in every domain (CPython's
 * wrapping hooks: the debug hooks, tracemalloc).
 *
 * @since 0.1
 */
public non-sealed interface HookProvider extends AllocatorProvider {

    /**
     * True when the layer hands out the blocks of the layer below unchanged (same address,
     * same size), as tracemalloc does. Such a layer can be added to or removed from a stack
     * that has live blocks. A layer that changes the block layout (the debug hooks add a
     * header and a trailer) cannot: its blocks can only be freed through it.
     */
    boolean transparent();

    /**
     * True when the runtime's configuration asks for this layer even though the stack name
     * does not name it (tracemalloc with {@code pymem4j.tracemalloc=N}, as
     * {@code PYTHONTRACEMALLOC} starts tracing whatever {@code PYTHONMALLOC} says). Only a
     * {@linkplain #transparent() transparent} layer is added this way, on top of the stack.
     */
    default boolean enabledByConfiguration(RuntimeView runtime) {
        return false;
    }

    /** Creates the layer's state for one runtime; it then wraps each domain. */
    Hook create(HookContext context);
}
