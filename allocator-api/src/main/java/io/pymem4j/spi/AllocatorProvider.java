package io.pymem4j.spi;

import java.util.Set;

/**
 * A named piece of an allocator stack, found with {@link java.util.ServiceLoader}.
 *
 * <p>A jar contributes providers by listing their classes in
 * {@code META-INF/services/io.pymem4j.spi.AllocatorProvider} (on the module path, an
 * automatic module's services file counts as its {@code provides}). Each provider has a
 * unique {@link #name()}; two providers with one name make every set-up fail with both
 * class names, rather than one silently winning.
 *
 * <ul>
 *   <li>{@link BackendProvider}: a backend that owns memory ({@code malloc}, {@code pymalloc},
 *       {@code mimalloc}); a stack has exactly one, at the bottom.</li>
 *   <li>{@link HookProvider}: a hook layer that wraps the allocator below it in every domain
 *       ({@code debug}, {@code tracemalloc}).</li>
 *   <li>{@link ArenaProvider}: where backends with arenas get them ({@code mmap}).</li>
 * </ul>
 * Providers need a public no-argument constructor and must be cheap to construct: the
 * registry instantiates every provider on the class path to learn its name.
 *
 * @since 0.1
 */
public sealed interface AllocatorProvider permits BackendProvider, HookProvider, ArenaProvider {

    /** The name used in allocator stack names, e.g. {@code pymalloc}. */
    String name();

    /** One line for {@code pymem list}. */
    String description();

    /**
     * Whether this provider can be set up here. A provider that needs a native library
     * which is not installed says so here, and set-up fails with the reason.
     */
    default Availability availability() {
        return Availability.AVAILABLE;
    }

    /**
     * The option keys this provider reads through {@link RuntimeView#option(String)}: its name
     * ({@code tracemalloc}) or keys that start with its name and a dot ({@code pymalloc.geometry}).
     * A runtime knows its options from its providers: a key in a provider's namespace that the
     * provider does not list is an error when given in code, and a warning when it comes from a
     * system property or the environment. None by default.
     */
    default Set<String> optionKeys() {
        return Set.of();
    }

    /** The kind, for listings: backend, hook or arena. */
    default String kind() {
        return switch (this) {
            case BackendProvider b -> "backend";
            case HookProvider h -> "hook";
            case ArenaProvider a -> "arena";
        };
    }
}
