package io.pymem4j.runtime;

import io.pymem4j.api.AllocatorSetupException;
import io.pymem4j.spi.AllocatorProvider;
import io.pymem4j.spi.ArenaProvider;
import io.pymem4j.spi.Availability;
import io.pymem4j.spi.BackendProvider;
import io.pymem4j.spi.HookProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The providers that can be set up by name, found once with {@link ServiceLoader}.
 *
 * <p>Discovery: every {@link AllocatorProvider} listed in a
 * {@code META-INF/services/io.pymem4j.spi.AllocatorProvider} file visible to the class
 * loader (the thread's context loader by default), and on the module path every module
 * that provides the service. A provider class that cannot be loaded or instantiated is
 * logged and skipped, and kept in {@link #loadFailures()} (its class and the exception) so
 * that {@code pymem list} shows it and a name no provider has names it too: the broken
 * provider may be the one asked for, and the log may go nowhere (no SLF4J binding).
 *
 * <p>Two providers with one name are an error naming both classes, since which one wins
 * would otherwise depend on the order of the class path. A registry made with {@link #of}
 * refuses them at once; one {@linkplain #load loaded} from a class path keeps them all
 * ({@link #allProviders()}), so that {@code pymem list} can show what is there, and refuses
 * every stack set up from it ({@link #checkConsistent()}).
 *
 * @since 0.1
 */
public final class ProviderRegistry {

    private static final Logger log = LoggerFactory.getLogger(ProviderRegistry.class);

    /**
     * Where the well-known names come from, for the error when one is missing: the one place
     * that maps names to artifacts, read for that message only.
     */
    private static final Map<String, String> KNOWN_SOURCES = Map.of(
            "malloc", "the module io.pymem4j:allocator-raw",
            "mmap", "the module io.pymem4j:allocator-raw",
            "pymalloc", "the module io.pymem4j:allocator-pymalloc",
            "debug", "the module io.pymem4j:allocator-debug",
            "guard", "the module io.pymem4j:allocator-guard",
            "tracemalloc", "the module io.pymem4j:allocator-tracemalloc",
            "mimalloc", "the module io.pymem4j:allocator-mimalloc with the native library libmimalloc"
                    + " (Debian package libmimalloc2.0)");
    /** CPython's system allocator, named in the error when no backend declares itself the fallback. */
    private static final String SYSTEM_ALLOCATOR = "malloc";

    private static volatile ProviderRegistry defaultRegistry;

    private final SortedMap<String, AllocatorProvider> byName;
    private final List<AllocatorProvider> all;
    private final List<String> loadFailures;
    /** The error every set-up from this registry raises, or null: two providers share a name. */
    private final String conflict;

    private ProviderRegistry(Collection<? extends AllocatorProvider> providers, List<String> loadFailures,
                             boolean keepConflicts) {
        SortedMap<String, AllocatorProvider> map = new TreeMap<>();
        List<String> conflicts = new ArrayList<>();
        for (AllocatorProvider p : providers) {
            AllocatorProvider previous = map.putIfAbsent(p.name(), p);
            if (previous != null) {
                String conflict = "two allocator providers are named '" + p.name() + "': "
                        + previous.getClass().getName() + " and " + p.getClass().getName()
                        + "; remove one of their jars from the class path";
                if (!keepConflicts) {
                    throw new AllocatorSetupException(conflict);
                }
                conflicts.add(conflict);
            }
        }
        this.byName = Collections.unmodifiableSortedMap(map);
        List<AllocatorProvider> sorted = new ArrayList<>(providers);
        sorted.sort(Comparator.comparing(AllocatorProvider::name));
        this.all = List.copyOf(sorted);
        this.loadFailures = List.copyOf(loadFailures);
        this.conflict = conflicts.isEmpty() ? null : String.join("; ", conflicts);
    }

    /** The registry of the providers visible to the thread's context class loader, loaded once. */
    public static ProviderRegistry getDefault() {
        ProviderRegistry r = defaultRegistry;
        if (r == null) {
            synchronized (ProviderRegistry.class) {
                r = defaultRegistry;
                if (r == null) {
                    ClassLoader loader = Thread.currentThread().getContextClassLoader();
                    r = load(loader != null ? loader : ProviderRegistry.class.getClassLoader());
                    defaultRegistry = r;
                }
            }
        }
        return r;
    }

    /** Discovers the providers that {@code loader} sees. */
    public static ProviderRegistry load(ClassLoader loader) {
        List<String> failures = new ArrayList<>();
        List<AllocatorProvider> found = Services.load(AllocatorProvider.class, loader, f -> {
            log.warn("skipping an allocator provider that could not be loaded: {}", f.describe());
            failures.add(f.describe());
        });
        ProviderRegistry registry = new ProviderRegistry(found, failures, true);
        if (registry.conflict != null) {
            log.warn("{}", registry.conflict);
        }
        log.debug("allocator providers: {}", registry.byName.keySet());
        return registry;
    }

    /**
     * A registry of exactly these providers (tests, embedding without ServiceLoader).
     *
     * @throws AllocatorSetupException when two of them have one name, naming both classes
     */
    public static ProviderRegistry of(Collection<? extends AllocatorProvider> providers) {
        return new ProviderRegistry(providers, List.of(), false);
    }

    public static ProviderRegistry of(AllocatorProvider... providers) {
        return of(List.of(providers));
    }

    /** Every provider, by name. */
    public SortedMap<String, AllocatorProvider> providers() {
        return byName;
    }

    /**
     * Every provider found, by name, with both of two that share a name (which
     * {@link #providers()} cannot hold); a registry without a {@linkplain #checkConsistent()
     * conflict} has the same ones as {@link #providers()}.
     */
    public List<AllocatorProvider> allProviders() {
        return all;
    }

    /**
     * Why the providers that were listed but could not be loaded failed, one line each: the
     * provider class and the exception (with its causes), or ServiceLoader's message when
     * the class itself could not be found or loaded.
     */
    public List<String> loadFailures() {
        return loadFailures;
    }

    /**
     * Throws when stacks cannot be set up from this registry: two providers it loaded have
     * one name. Every runtime checks it when it is made.
     *
     * @throws AllocatorSetupException naming the name and both provider classes
     */
    public void checkConsistent() {
        if (conflict != null) {
            throw new AllocatorSetupException(conflict);
        }
    }

    /**
     * The provider that reads the option {@code key} ({@link AllocatorProvider#optionKeys()}),
     * if any; the runtime's own options ({@link PyMemRuntime#RUNTIME_OPTION_KEYS}) have none.
     */
    public Optional<AllocatorProvider> optionOwner(String key) {
        return OptionKeys.owner(this, key);
    }

    /** True when a provider of this name and kind is registered, available or not. */
    public boolean has(String name, Class<? extends AllocatorProvider> kind) {
        return kind.isInstance(byName.get(name));
    }

    public BackendProvider backend(String name) {
        return require(name, BackendProvider.class, "backend");
    }

    public HookProvider hook(String name) {
        return require(name, HookProvider.class, "hook");
    }

    public ArenaProvider arena(String name) {
        return require(name, ArenaProvider.class, "arena allocator");
    }

    /**
     * The name of the backend that {@code default} means: the registered backend with the
     * highest positive {@link BackendProvider#defaultPriority()}, available or not (set-up
     * then says why not).
     *
     * @throws AllocatorSetupException when no backend declares a priority
     */
    public String defaultBackend() {
        BackendProvider best = null;
        for (AllocatorProvider p : byName.values()) {
            if (p instanceof BackendProvider b && b.defaultPriority() > 0
                    && (best == null || b.defaultPriority() > best.defaultPriority())) {
                best = b;
            }
        }
        if (best == null) {
            throw missing(SYSTEM_ALLOCATOR);
        }
        return best.name();
    }

    /**
     * The backend that serves the RAW domain under a backend that does not: the first, by
     * name, that declares {@link BackendProvider#rawFallback()}.
     *
     * @throws AllocatorSetupException when none does, or it is not available
     */
    public BackendProvider rawFallback() {
        for (AllocatorProvider p : byName.values()) {
            if (p instanceof BackendProvider b && b.rawFallback()) {
                return backend(b.name());
            }
        }
        throw missing(SYSTEM_ALLOCATOR);
    }

    /**
     * The arena provider a new runtime starts with: of the available ones, the one with the
     * highest positive {@link ArenaProvider#defaultPriority()}; empty when none declares one.
     */
    public Optional<ArenaProvider> defaultArena() {
        ArenaProvider best = null;
        for (AllocatorProvider p : byName.values()) {
            if (p instanceof ArenaProvider a && a.defaultPriority() > 0 && a.availability().available()
                    && (best == null || a.defaultPriority() > best.defaultPriority())) {
                best = a;
            }
        }
        return Optional.ofNullable(best);
    }

    private <T extends AllocatorProvider> T require(String name, Class<T> kind, String what) {
        AllocatorProvider p = byName.get(name);
        if (p == null) {
            throw missing(name);
        }
        if (!kind.isInstance(p)) {
            throw new AllocatorSetupException("'" + name + "' is a " + p.kind() + ", not a " + what
                    + ": a stack is one backend followed by hooks, e.g. pymalloc+debug+tracemalloc; " + knownNames());
        }
        Availability a = p.availability();
        if (!a.available()) {
            throw new AllocatorSetupException("allocator '" + name + "' is not available: " + a.reason());
        }
        return kind.cast(p);
    }

    /** The error for a name no provider has: what provides it, when the name is a well-known one. */
    private AllocatorSetupException missing(String name) {
        if (!loadFailures.isEmpty()) {
            // The name may be the broken provider's: its name is unknown, since making it failed.
            return new AllocatorSetupException("allocator '" + name + "' is not available: no provider of that name"
                    + " was loaded, and " + (loadFailures.size() == 1 ? "a listed provider" : loadFailures.size()
                    + " listed providers") + " could not be: " + String.join("; ", loadFailures) + "; " + knownNames());
        }
        String source = KNOWN_SOURCES.get(name);
        if (source != null) {
            return new AllocatorSetupException("allocator '" + name + "' is not available: it is provided by "
                    + source + ", which is not on the class path; " + knownNames());
        }
        return new AllocatorSetupException("unknown allocator '" + name + "'; " + knownNames());
    }

    /** The sentence that lists every name this registry can set up. */
    public String knownNames() {
        List<String> backends = new ArrayList<>();
        List<String> hooks = new ArrayList<>();
        byName.forEach((name, p) -> {
            if (p instanceof BackendProvider) {
                backends.add(name);
            } else if (p instanceof HookProvider) {
                hooks.add(name);
            }
        });
        return "known: CPython names " + String.join(", ", StackSpec.CPYTHON_NAMES)
                + "; backends " + (backends.isEmpty() ? "(none)" : String.join(", ", backends))
                + "; hooks " + (hooks.isEmpty() ? "(none)" : String.join(", ", hooks))
                + "; or a composition such as pymalloc+debug+tracemalloc";
    }
}
