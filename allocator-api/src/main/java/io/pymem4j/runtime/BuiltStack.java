package io.pymem4j.runtime;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.spi.Hook;

import java.util.List;
import java.util.Map;

/**
 * A built allocator stack: the spec it was built from, its hooks' states, and each domain's
 * layers, bottom (the backend) first.
 */
record BuiltStack(StackSpec spec, List<Hook> hooks, Map<PyMemAllocatorDomain, List<PyMemAllocatorEx>> layers) {

    /** The layer a call in {@code domain} enters first. */
    PyMemAllocatorEx top(PyMemAllocatorDomain domain) {
        List<PyMemAllocatorEx> l = layers.get(domain);
        return l.get(l.size() - 1);
    }
}
