package io.pymem4j.runtime;

import io.pymem4j.api.PyMemAllocatorEx;

/**
 * What a closed runtime's domain slots hold: every call throws {@link IllegalStateException}
 * naming the runtime, so the runtime's allocation entry points check nothing of their own.
 */
final class ClosedSlot implements PyMemAllocatorEx {

    private final String stack;

    ClosedSlot(String stack) {
        this.stack = stack;
    }

    private IllegalStateException closed() {
        return new IllegalStateException("the pymem4j runtime '" + stack + "' is closed");
    }

    @Override
    public long malloc(long size) {
        throw closed();
    }

    @Override
    public long calloc(long nelem, long elsize) {
        throw closed();
    }

    @Override
    public long realloc(long ptr, long newSize) {
        throw closed();
    }

    @Override
    public void free(long ptr) {
        throw closed();
    }

    @Override
    public String toString() {
        return "closed(" + stack + ")";
    }
}
