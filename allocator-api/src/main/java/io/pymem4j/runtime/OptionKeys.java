package io.pymem4j.runtime;

import io.pymem4j.api.AllocatorSetupException;
import io.pymem4j.spi.AllocatorProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The option keys a runtime knows: the runtime's own ({@link PyMemRuntime#RUNTIME_OPTION_KEYS})
 * and each provider's {@link AllocatorProvider#optionKeys()}. A key belongs to a namespace: a
 * key without a dot is the runtime's (as {@code gil}) unless it is a provider's name, and
 * {@code NAME.rest} is provider {@code NAME}'s. A key in a namespace the runtime or a provider
 * owns that is not among the known keys is a mistake: an error when it is given in code, a
 * warning (once per key) when it comes from a system property or the environment. Keys of
 * other namespaces (such as {@code cpython.*}, read by modules without a provider) are not
 * checked.
 */
final class OptionKeys {

    private static final Logger log = LoggerFactory.getLogger(OptionKeys.class);
    private static final String PROPERTY_PREFIX = "pymem4j.";
    private static final String ENV_PREFIX = "PYMEM4J_";
    /** Keys already warned about, so that each is logged once per JVM. */
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

    private OptionKeys() {
    }

    /** The provider that lists {@code key} among its options, if any. */
    static Optional<AllocatorProvider> owner(ProviderRegistry registry, String key) {
        for (AllocatorProvider p : registry.providers().values()) {
            if (p.optionKeys().contains(key)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** Whether the runtime or a provider of {@code registry} reads {@code key}. */
    static boolean known(ProviderRegistry registry, String key) {
        return PyMemRuntime.RUNTIME_OPTION_KEYS.contains(key) || owner(registry, key).isPresent();
    }

    /** Whether {@code key} is in the runtime's or a provider's namespace, so that an unknown one is a mistake. */
    static boolean checked(ProviderRegistry registry, String key) {
        int dot = key.indexOf('.');
        return dot < 0 || registry.providers().containsKey(key.substring(0, dot));
    }

    /**
     * Checks the options given in code.
     *
     * @throws AllocatorSetupException naming the first unknown key and the known ones
     */
    static void checkGiven(ProviderRegistry registry, Map<String, String> options) {
        for (String key : new TreeSet<>(options.keySet())) {
            if (!known(registry, key) && checked(registry, key)) {
                throw new AllocatorSetupException("unknown option '" + key + "'; known options: " + all(registry));
            }
        }
    }

    /** Logs, once per key, the system properties and environment variables that name unknown options. */
    static void warnConfigured(ProviderRegistry registry) {
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith(PROPERTY_PREFIX)) {
                warnIfUnknown(registry, name.substring(PROPERTY_PREFIX.length()), "system property " + name);
            }
        }
        for (String name : System.getenv().keySet()) {
            if (name.startsWith(ENV_PREFIX)) {
                String env = name.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT);
                // The environment spells dots as underscores: known if any spelling of it is.
                if (all(registry).stream().noneMatch(k -> k.replace('.', '_').equals(env))) {
                    warnIfUnknown(registry, env.replace('_', '.'), "environment variable " + name);
                }
            }
        }
    }

    private static void warnIfUnknown(ProviderRegistry registry, String key, String source) {
        if (!known(registry, key) && checked(registry, key) && WARNED.add(source)) {
            log.warn("{} names no pymem4j option: '{}' is unknown and ignored; known options: {}", source, key,
                    all(registry));
        }
    }

    /** Every known key, sorted. */
    static Set<String> all(ProviderRegistry registry) {
        Set<String> all = new TreeSet<>(PyMemRuntime.RUNTIME_OPTION_KEYS);
        registry.providers().values().forEach(p -> all.addAll(p.optionKeys()));
        return all;
    }
}
