package io.pymem4j.runtime;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.spi.Hook;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A built allocator stack: the spec it was built from, its hooks' states, and each domain's
 * layers, bottom (the backend) first.
 */
record BuiltStack(StackSpec spec, List<Hook> hooks, Map<PyMemAllocatorDomain, List<PyMemAllocatorEx>> layers) {

    /**
     * The stack's name now ({@code _PyMem_GetCurrentAllocatorName}): the spec's, without the
     * hooks that are not {@linkplain Hook#named() named} at the moment.
     */
    String currentName() {
        List<String> named = new ArrayList<>(spec.hooks().size());
        for (int i = 0; i < hooks.size(); i++) {
            if (hooks.get(i).named()) {
                named.add(spec.hooks().get(i));
            }
        }
        return named.size() == hooks.size() ? spec.name() : new StackSpec(spec.backend(), named).name();
    }

    /** The layer a call in {@code domain} enters first. */
    PyMemAllocatorEx top(PyMemAllocatorDomain domain) {
        List<PyMemAllocatorEx> l = layers.get(domain);
        return l.get(l.size() - 1);
    }
}
