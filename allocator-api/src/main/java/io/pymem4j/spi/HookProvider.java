package io.pymem4j.spi;

/**
 * Provides a hook layer, which wraps the allocator below it in every domain (CPython's
 * wrapping hooks: the debug hooks, tracemalloc).
 */
public non-sealed interface HookProvider extends AllocatorProvider {

    /**
     * True when the layer hands out the blocks of the layer below unchanged (same address,
     * same size), as tracemalloc does. Such a layer can be added to or removed from a stack
     * that has live blocks. A layer that changes the block layout (the debug hooks add a
     * header and a trailer) cannot: its blocks can only be freed through it.
     */
    boolean transparent();

    /** Creates the layer's state for one runtime; it then wraps each domain. */
    Hook create(HookContext context);
}
