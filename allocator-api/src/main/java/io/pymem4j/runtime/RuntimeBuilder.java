package io.pymem4j.runtime;

import io.pymem4j.api.AllocatorSetupException;
import io.pymem4j.api.InterpreterLock;
import io.pymem4j.api.PyObjectArenaAllocator;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a runtime is configured with before it is built: the methods of
 * {@link PyMemRuntime.Builder}, the public name users write, which only inherits them.
 */
abstract sealed class RuntimeBuilder permits PyMemRuntime.Builder {

    String allocator = "";
    ProviderRegistry registry;
    PyObjectArenaAllocator arenaAllocator;
    InterpreterLock gil;
    final Map<String, String> options = new HashMap<>();
    /** Where the options given with a source came from (the others were set in code). */
    final Map<String, String> origins = new HashMap<>();

    RuntimeBuilder() {
    }

    private PyMemRuntime.Builder self() {
        return (PyMemRuntime.Builder) this;
    }

    /** The stack name ({@link StackSpec}); the empty default is {@code default}. */
    public PyMemRuntime.Builder allocator(String name) {
        this.allocator = Objects.requireNonNull(name, "name");
        return self();
    }

    /** The providers to set stacks up from; the default is {@link ProviderRegistry#getDefault()}. */
    public PyMemRuntime.Builder registry(ProviderRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
        return self();
    }

    /**
     * The arena allocator to start with; the default comes from the arena provider that
     * declares the highest default priority ({@code mmap}).
     */
    public PyMemRuntime.Builder arenaAllocator(PyObjectArenaAllocator allocator) {
        this.arenaAllocator = Objects.requireNonNull(allocator, "allocator");
        return self();
    }

    /** GIL mode with {@code lock} as the interpreter lock (see {@link PyMemRuntime}'s GIL mode). */
    public PyMemRuntime.Builder gil(InterpreterLock lock) {
        this.gil = Objects.requireNonNull(lock, "lock");
        return self();
    }

    /** GIL mode with a lock of the runtime's own ({@link InterpreterLock#reentrant()}), or not. */
    public PyMemRuntime.Builder gil(boolean on) {
        this.gil = on ? InterpreterLock.reentrant() : null;
        return self();
    }

    /**
     * A provider option set in code, see {@link PyMemRuntime#option(String)}. A key no layer
     * reads makes {@link #build()} throw, naming the closest known key.
     */
    public PyMemRuntime.Builder option(String key, String value) {
        options.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
        origins.remove(key);
        return self();
    }

    /**
     * A provider option read from a user's configuration, with where it was set
     * ({@code "pymem4j.debug.policy in app.properties"}, {@code "the command line option --policy"}):
     * an invalid value's error names {@code origin}, and a key no layer reads is a warning
     * (once per origin, naming the closest known key), as for a system property.
     */
    public PyMemRuntime.Builder option(String key, String value, String origin) {
        option(key, value);
        origins.put(key, Objects.requireNonNull(origin, "origin"));
        return self();
    }

    /**
     * Builds the runtime and sets its stack up.
     *
     * @throws AllocatorSetupException on a platform pymem4j does not support (it names the
     *         ones it does), and when the stack cannot be set up
     */
    public PyMemRuntime build() {
        SupportedPlatform.require();
        return new PyMemRuntime(this);
    }
}
