package io.pymem4j.spi;

import io.pymem4j.api.PyObjectArenaAllocator;

/**
 * Provides an arena allocator ({@code PyObjectArenaAllocator}) for backends that use arenas.
 *
 * @since 0.1
 */
public non-sealed interface ArenaProvider extends AllocatorProvider {

    /** Creates the arena allocator a new runtime starts with. */
    PyObjectArenaAllocator create();

    /**
     * How strongly this arena allocator asks to be the one a new runtime starts with: of the
     * registered and available arena providers, the highest positive priority wins; 0 (the
     * default) never does, and a runtime without one has no arenas. {@code mmap} declares 1.
     */
    default int defaultPriority() {
        return 0;
    }
}
