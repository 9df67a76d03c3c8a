package io.pymem4j.runtime;

import io.pymem4j.api.PyObjectArenaAllocator;

/**
 * A runtime's arena allocator slot ({@code PyObject_SetArenaAllocator} replaces what it
 * holds): the backends hold the slot, so each arena call reaches the allocator set at that
 * time.
 */
final class ArenaSlot implements PyObjectArenaAllocator {

    private volatile PyObjectArenaAllocator current;

    ArenaSlot(PyObjectArenaAllocator first) {
        this.current = first;
    }

    /** The arena allocator set now. */
    PyObjectArenaAllocator current() {
        return current;
    }

    void set(PyObjectArenaAllocator allocator) {
        current = allocator;
    }

    @Override
    public long alloc(long size) {
        return current.alloc(size);
    }

    @Override
    public void free(long ptr, long size) {
        current.free(ptr, size);
    }
}
