package io.pymem4j.runtime;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.spi.Hook;
import io.pymem4j.spi.LiveBlockCheck;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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

    /** The topmost hook layer's state that is a {@code type} (see {@link PyMemRuntime#findHook}). */
    <T> Optional<T> findHook(Class<T> type) {
        for (int i = hooks.size() - 1; i >= 0; i--) {
            if (type.isInstance(hooks.get(i))) {
                return Optional.of(type.cast(hooks.get(i)));
            }
        }
        return Optional.empty();
    }

    /** The MEM/OBJ backend if it is a {@code type}, else the RAW one if it is (see {@link PyMemRuntime#findBackend}). */
    <T> Optional<T> findBackend(Class<T> type) {
        for (PyMemAllocatorDomain d : new PyMemAllocatorDomain[]{PyMemAllocatorDomain.MEM, PyMemAllocatorDomain.RAW}) {
            PyMemAllocatorEx backend = layers.get(d).get(0);
            if (type.isInstance(backend)) {
                return Optional.of(type.cast(backend));
            }
        }
        return Optional.empty();
    }

    /** Checks the live blocks of every hook layer that can, bottom first (see {@link PyMemRuntime#check()}); the damaged count. */
    int checkLiveBlocks() {
        int damaged = 0;
        for (Hook h : hooks) {
            if (h instanceof LiveBlockCheck c) {
                damaged += c.checkLiveBlocks();
            }
        }
        return damaged;
    }
}
