package io.pymem4j.runtime;

import io.pymem4j.api.PyObjectArenaAllocator;

/** The arena allocator of a runtime without an arena provider: every request fails. */
enum NoArenas implements PyObjectArenaAllocator {
    INSTANCE;

    @Override
    public long alloc(long size) {
        return 0;
    }

    @Override
    public void free(long ptr, long size) {
        throw new IllegalStateException("no arena was ever allocated");
    }
}
