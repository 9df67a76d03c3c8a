package io.pymem4j.runtime;

import io.pymem4j.spi.BackendProvider;
import io.pymem4j.spi.HookProvider;

/** Lets tests in other packages make the package-private test providers. */
public final class TestBackendsAccess {
    public HookProvider hook(String name) {
        return new TestBackends.HookLayer(name, true);
    }

    public BackendProvider backend(String name) {
        return TestBackends.Backend.all(name);
    }
}
