package io.pymem4j.spi;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;

/**
 * One hook layer's state in one runtime, shared by the domains it wraps (tracemalloc keeps
 * one table of traces for all three; the debug hooks one serial counter).
 *
 * @since 0.1
 */
public interface Hook {

    /** Returns the allocator that serves {@code domain} through this layer over {@code below}. */
    PyMemAllocatorEx wrap(PyMemAllocatorDomain domain, PyMemAllocatorEx below);

    /**
     * Whether the runtime's current allocator name mentions this layer now. True but for a
     * layer that stays in the stack while CPython's would be gone: tracemalloc once
     * {@code stop()} stopped it (CPython's {@code tracemalloc.stop()} puts the allocators it
     * wrapped back, and the name is the one under it again), until it starts again. The
     * runtime asks when the name is asked for, never on an allocation.
     */
    default boolean named() {
        return true;
    }
}
