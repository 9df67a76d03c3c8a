package io.pymem4j.spi;

import io.pymem4j.api.PyObjectArenaAllocator;

/** Provides an arena allocator ({@code PyObjectArenaAllocator}) for backends that use arenas. */
public non-sealed interface ArenaProvider extends AllocatorProvider {

    /** Creates the arena allocator a new runtime starts with. */
    PyObjectArenaAllocator create();
}
