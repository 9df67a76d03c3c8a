package io.pymem4j.guice;

import com.google.inject.AbstractModule;
import com.google.inject.Key;
import com.google.inject.Provider;
import com.google.inject.Singleton;
import io.pymem4j.api.AllocatorSetupException;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.runtime.ProviderRegistry;
import io.pymem4j.runtime.PyMemManagement;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.runtime.StackSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.foreign.SegmentAllocator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Builds a {@link PyMemRuntime} from configuration and binds it, so application code
 * injects an allocator and never names a backend.
 *
 * <h2>Bindings</h2>
 * <ul>
 *   <li>{@link PyMemRuntime}: one per injector, built when the injector is (an eager singleton).</li>
 *   <li>{@code @Domain(RAW|MEM|OBJ)} {@link PyMemAllocatorEx}: the domain of that runtime;
 *       each call goes through the runtime, so it sees layers added later (tracemalloc).</li>
 *   <li>{@code @Domain(RAW|MEM|OBJ)} {@link SegmentAllocator}: the same domain for FFM code
 *       ({@link PyMemRuntime#segmentAllocator}).</li>
 *   <li>With {@link ModuleBuilder#registerMXBean()}: {@link PyMemManagement.Registration},
 *       the runtime's MXBean registered with the platform MBean server.</li>
 * </ul>
 *
 * <h2>Where the configuration comes from</h2>
 * Keys are those of the system properties without their {@code pymem4j.} prefix:
 * {@code malloc} names the stack ({@code pymalloc_debug}), every other key is a runtime
 * option ({@code debug.policy}, {@code tracemalloc}, {@code gil}; see the README).
 * <ol>
 *   <li>Code first: {@link ModuleBuilder#stack} and {@link ModuleBuilder#option} win over
 *       every source.</li>
 *   <li>Then the sources in the order they were added:
 *       {@link ModuleBuilder#systemProperties()} ({@code pymem4j.malloc}),
 *       {@link ModuleBuilder#environment()} ({@code PYMEM4J_MALLOC}),
 *       {@link ModuleBuilder#properties(Path)} and
 *       {@link ModuleBuilder#classpathProperties(String)} (their {@code pymem4j.*} entries).</li>
 *   <li>Then {@link ModuleBuilder#defaultStack} ({@code default}, CPython's default, unless set).</li>
 * </ol>
 * An option no source sets is left to the runtime, which reads its system property and
 * environment variable itself.
 *
 * <h2>Misconfiguration</h2>
 * Fails at injector creation ({@link com.google.inject.CreationException}): a properties
 * file that cannot be read, or a stack that cannot be set up, with where the name came from
 * and, for an unknown name, every known one.
 *
 * @since 0.1
 */
public final class PyMemModule extends AbstractModule {

    /** The key of the stack name: {@code pymem4j.malloc}, {@code PYMEM4J_MALLOC}. */
    public static final String STACK_KEY = "malloc";

    private static final Logger log = LoggerFactory.getLogger(PyMemModule.class);

    private final Map<String, String> code;
    private final List<SourceSpec> sources;
    private final String defaultStack;
    private final boolean registerMXBean;
    private final ProviderRegistry registry;

    private PyMemModule(ModuleBuilder b) {
        this.code = Map.copyOf(b.code);
        this.sources = List.copyOf(b.sources);
        this.defaultStack = b.defaultStack;
        this.registerMXBean = b.registerMXBean;
        this.registry = b.registry;
    }

    /** A module whose stack is {@code stack}, named in code. */
    public static PyMemModule of(String stack) {
        return builder().stack(stack).build();
    }

    /** A module configured as {@link PyMemRuntime#getDefault()} is: the system property, then the environment. */
    public static PyMemModule fromSystemConfiguration() {
        return builder().systemProperties().environment().build();
    }

    public static ModuleBuilder builder() {
        return new ModuleBuilder();
    }

    /** The {@link Domain} qualifier of {@code domain}, for keys built in code. */
    public static Domain domain(PyMemAllocatorDomain domain) {
        return new DomainImpl(domain);
    }

    /** The key of {@code domain}'s allocator: {@code @Domain(domain) PyMemAllocatorEx}. */
    public static Key<PyMemAllocatorEx> allocatorKey(PyMemAllocatorDomain domain) {
        return Key.get(PyMemAllocatorEx.class, domain(domain));
    }

    /** The key of {@code domain}'s segment allocator: {@code @Domain(domain) SegmentAllocator}. */
    public static Key<SegmentAllocator> segmentAllocatorKey(PyMemAllocatorDomain domain) {
        return Key.get(SegmentAllocator.class, domain(domain));
    }

    // ---------------------------------------------------------------- configuration

    /** The resolved configuration: the stack, where it came from, the options sources set, and where each not set in code was set. */
    record Configuration(String stack, String stackSource, Map<String, String> options, Map<String, String> origins) {
    }

    /** A source as the builder was told about it; files are read when the module is configured. */
    private sealed interface SourceSpec {
        ConfigSource open() throws IOException;
    }

    private record Ready(ConfigSource source) implements SourceSpec {
        @Override
        public ConfigSource open() {
            return source;
        }
    }

    private record File(Path path) implements SourceSpec {
        @Override
        public ConfigSource open() throws IOException {
            return ConfigSource.file(path);
        }
    }

    private record Resource(String name, ClassLoader loader) implements SourceSpec {
        @Override
        public ConfigSource open() throws IOException {
            ConfigSource s = ConfigSource.resource(name, loader);
            if (s == null) {
                throw new IOException("no class path resource " + name);
            }
            return s;
        }
    }

    /** Reads every source; {@link IOException} names the one that could not be read. */
    Configuration resolve() throws IOException {
        List<ConfigSource> chain = new ArrayList<>();
        chain.add(ConfigSource.code(code));
        for (SourceSpec s : sources) {
            try {
                chain.add(s.open());
            } catch (IOException e) {
                throw new IOException("cannot read the pymem4j configuration: " + e, e);
            }
        }
        String stack = null;
        String where = "the default";
        for (ConfigSource s : chain) {
            stack = s.get(STACK_KEY);
            if (stack != null) {
                where = s.where(STACK_KEY);
                break;
            }
        }
        if (stack == null) {
            stack = defaultStack;
        }
        Map<String, String> options = new TreeMap<>();
        // Where each option not set in code came from: the runtime names it in errors and warnings.
        Map<String, String> origins = new TreeMap<>();
        for (ConfigSource s : chain) {
            for (String key : s.keys()) {
                if (!key.equals(STACK_KEY) && !options.containsKey(key)) {
                    for (ConfigSource first : chain) {
                        String v = first.get(key);
                        if (v != null) {
                            options.put(key, v);
                            if (first != chain.getFirst()) {
                                origins.put(key, first.where(key));
                            }
                            break;
                        }
                    }
                }
            }
        }
        return new Configuration(stack, where, options, origins);
    }

    @Override
    protected void configure() {
        Configuration config;
        try {
            config = resolve();
        } catch (IOException e) {
            addError(e.getMessage());
            return;
        }
        try {
            // The name is checked here so that an unknown one is the injector's only error.
            StackSpec.parse(config.stack(), registry != null ? registry : ProviderRegistry.getDefault());
        } catch (AllocatorSetupException e) {
            addError(stackError(config, e));
            return;
        }
        bind(PyMemRuntime.class).toProvider(new RuntimeProvider(config, registry)).asEagerSingleton();
        for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
            bind(allocatorKey(d)).toProvider(new AllocatorProvider(d, getProvider(PyMemRuntime.class))).in(Singleton.class);
            bind(segmentAllocatorKey(d)).toProvider(new SegmentAllocatorProvider(d, getProvider(PyMemRuntime.class)))
                    .in(Singleton.class);
        }
        if (registerMXBean) {
            bind(PyMemManagement.Registration.class).toProvider(new RegistrationProvider(getProvider(PyMemRuntime.class)))
                    .asEagerSingleton();
        }
    }

    private static String stackError(Configuration config, AllocatorSetupException e) {
        return "pymem4j: the allocator stack '" + config.stack() + "' (from " + config.stackSource() + ") cannot be set up: "
                + e.getMessage();
    }

    /** Builds the runtime once, when the injector is created. */
    private record RuntimeProvider(Configuration config, ProviderRegistry registry) implements Provider<PyMemRuntime> {
        @Override
        public PyMemRuntime get() {
            PyMemRuntime.Builder b = PyMemRuntime.builder().allocator(config.stack());
            if (registry != null) {
                b.registry(registry);
            }
            config.options().forEach((key, value) -> {
                String origin = config.origins().get(key);
                if (origin == null) {
                    b.option(key, value);
                } else {
                    b.option(key, value, origin);
                }
            });
            try {
                PyMemRuntime rt = b.build();
                log.debug("runtime '{}' (stack from {}, options {})", rt.currentAllocatorName(), config.stackSource(),
                        config.options());
                return rt;
            } catch (AllocatorSetupException e) {
                throw new AllocatorSetupException(stackError(config, e), e);
            }
        }
    }

    private record AllocatorProvider(PyMemAllocatorDomain domain, Provider<PyMemRuntime> runtime)
            implements Provider<PyMemAllocatorEx> {
        @Override
        public PyMemAllocatorEx get() {
            return new DomainAllocator(runtime.get(), domain);
        }
    }

    private record SegmentAllocatorProvider(PyMemAllocatorDomain domain, Provider<PyMemRuntime> runtime)
            implements Provider<SegmentAllocator> {
        @Override
        public SegmentAllocator get() {
            return runtime.get().segmentAllocator(domain);
        }
    }

    private record RegistrationProvider(Provider<PyMemRuntime> runtime) implements Provider<PyMemManagement.Registration> {
        @Override
        public PyMemManagement.Registration get() {
            PyMemManagement.Registration r = PyMemManagement.register(runtime.get());
            log.debug("runtime MXBean registered as {}", r.objectName());
            return r;
        }
    }

    /** Configures a {@link PyMemModule}; see the class doc for the order of the sources. */
    public static final class ModuleBuilder {
        private final Map<String, String> code = new LinkedHashMap<>();
        private final List<SourceSpec> sources = new ArrayList<>();
        private String defaultStack = "default";
        private boolean registerMXBean;
        private ProviderRegistry registry;

        private ModuleBuilder() {
        }

        /** The stack, named in code: wins over every source. */
        public ModuleBuilder stack(String stack) {
            code.put(STACK_KEY, Objects.requireNonNull(stack, "stack"));
            return this;
        }

        /** A runtime option ({@code debug.policy}, {@code tracemalloc}, ...), set in code: wins over every source. */
        public ModuleBuilder option(String key, String value) {
            if (Objects.requireNonNull(key, "key").equals(STACK_KEY)) {
                throw new IllegalArgumentException("the stack is not an option: use stack(name)");
            }
            code.put(key, Objects.requireNonNull(value, "value"));
            return this;
        }

        /** The stack when no source names one; {@code default} unless set. */
        public ModuleBuilder defaultStack(String stack) {
            this.defaultStack = Objects.requireNonNull(stack, "stack");
            return this;
        }

        /** The system properties {@code pymem4j.malloc} and {@code pymem4j.<option>}, read when the injector is made. */
        public ModuleBuilder systemProperties() {
            sources.add(new Ready(ConfigSource.systemProperties()));
            return this;
        }

        /** The environment variables {@code PYMEM4J_MALLOC} and {@code PYMEM4J_<OPTION>}. */
        public ModuleBuilder environment() {
            return environment(System.getenv());
        }

        /** As {@link #environment()}, from {@code env} (a copy of a process's environment). */
        public ModuleBuilder environment(Map<String, String> env) {
            sources.add(new Ready(ConfigSource.environment(Map.copyOf(env))));
            return this;
        }

        /** The {@code pymem4j.*} entries of a properties file (UTF-8), read when the module is configured. */
        public ModuleBuilder properties(Path file) {
            sources.add(new File(Objects.requireNonNull(file, "file")));
            return this;
        }

        /** The {@code pymem4j.*} entries of {@code properties}, named {@code description} in messages. */
        public ModuleBuilder properties(Properties properties, String description) {
            Properties copy = new Properties();
            copy.putAll(properties);
            sources.add(new Ready(ConfigSource.properties(copy, description)));
            return this;
        }

        /** The {@code pymem4j.*} entries of a class path resource, which must exist. */
        public ModuleBuilder classpathProperties(String resource) {
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            sources.add(new Resource(Objects.requireNonNull(resource, "resource"),
                    loader != null ? loader : PyMemModule.class.getClassLoader()));
            return this;
        }

        /** Registers the runtime's MXBean with the platform MBean server when the injector is made. */
        public ModuleBuilder registerMXBean() {
            this.registerMXBean = true;
            return this;
        }

        /** The providers to set the stack up from; {@link ProviderRegistry#getDefault()} unless set. */
        public ModuleBuilder registry(ProviderRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        public PyMemModule build() {
            return new PyMemModule(this);
        }
    }
}
