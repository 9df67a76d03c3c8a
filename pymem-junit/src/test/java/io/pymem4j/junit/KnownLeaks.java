package io.pymem4j.junit;

import io.pymem4j.runtime.PyMemRuntime;

/** A cache that keeps its blocks for the life of the process: the known leak of {@link Fixtures.KnownLeakTest}. */
final class KnownLeaks {

    private KnownLeaks() {
    }

    static long cache(PyMemRuntime rt) {
        return rt.memMalloc(40);
    }
}
