package io.pymem4j.spi;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;

/**
 * One hook layer's state in one runtime, shared by the domains it wraps (tracemalloc keeps
 * one table of traces for all three; the debug hooks one serial counter).
 */
public interface Hook {

    /** Returns the allocator that serves {@code domain} through this layer over {@code below}. */
    PyMemAllocatorEx wrap(PyMemAllocatorDomain domain, PyMemAllocatorEx below);
}
