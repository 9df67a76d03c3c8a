package io.pymem4j.runtime;

import io.pymem4j.api.AllocatorSetupException;
import io.pymem4j.spi.AllocatorProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The option keys a runtime knows: the runtime's own ({@link PyMemRuntime#RUNTIME_OPTION_KEYS})
 * and each provider's {@link AllocatorProvider#optionKeys()}, and how a mistake in one is told.
 *
 * <p>A key belongs to a namespace: a key without a dot is the runtime's (as {@code gil}) unless
 * it is a provider's name, and {@code NAME.rest} is provider {@code NAME}'s. A key in a
 * namespace the runtime or a provider owns that is not among the known keys is a mistake, and
 * so is a key of another namespace within {@value #TYPO_DISTANCE} edits of a known one
 * ({@code debg.policy}). Given in code it is an error; from a system property, the environment
 * or a described source (a properties file, a command line flag) it is a warning, logged once
 * per JVM for each place it was found. Both name the closest known key by edit distance. Keys
 * of other namespaces (such as {@code cpython.*}, read by modules without a provider) and the
 * {@linkplain #TOOL_KEYS tools' own} are not checked.
 *
 * <p>An invalid value is the reading layer's error; {@link #withOrigin} adds to it where the
 * value came from, since the same key can be set in five places.
 */
final class OptionKeys {

    private static final Logger log = LoggerFactory.getLogger(OptionKeys.class);
    private static final String PROPERTY_PREFIX = "pymem4j.";
    private static final String ENV_PREFIX = "PYMEM4J_";
    /**
     * Keys in the {@code pymem4j.} space that pymem4j's tools read, not a runtime: bin/pymem's
     * {@code PYMEM4J_CLASSPATH} and the command line's log levels.
     */
    static final Set<String> TOOL_KEYS = Set.of("classpath", "log.level", "report.log");
    /** How many edits (insert, delete, replace a character) make a key outside a checked namespace a typo. */
    static final int TYPO_DISTANCE = 2;
    /** Places already warned about, so that each is logged once per JVM. */
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

    /** Whether {@code key} is a mistake: unknown, and in a checked namespace or a typo of a known key. */
    static boolean mistaken(ProviderRegistry registry, String key) {
        if (known(registry, key) || TOOL_KEYS.contains(key)) {
            return false;
        }
        return checked(registry, key) || distance(key, closest(registry, key, Function.identity())) <= TYPO_DISTANCE;
    }

    /**
     * Checks the options given in code.
     *
     * @throws AllocatorSetupException naming the first unknown key, the known ones and the closest
     */
    static void checkGiven(ProviderRegistry registry, Set<String> keys) {
        for (String key : new TreeSet<>(keys)) {
            if (mistaken(registry, key)) {
                throw new AllocatorSetupException("unknown option '" + key + "'; known options: " + all(registry)
                        + "; did you mean '" + closest(registry, key, Function.identity()) + "'?");
            }
        }
    }

    /** Logs, once per place, the system properties and environment variables that name unknown options. */
    static void warnConfigured(ProviderRegistry registry) {
        Map<String, String> properties = new TreeMap<>();
        System.getProperties().stringPropertyNames().forEach(n -> properties.put(n, System.getProperty(n, "")));
        warnConfigured(registry, properties, System.getenv());
    }

    /** {@link #warnConfigured(ProviderRegistry)} over these properties and environment (names are what count). */
    static void warnConfigured(ProviderRegistry registry, Map<String, String> properties, Map<String, String> env) {
        for (String name : new TreeSet<>(properties.keySet())) {
            if (name.startsWith(PROPERTY_PREFIX)) {
                String key = name.substring(PROPERTY_PREFIX.length());
                if (mistaken(registry, key)) {
                    warn("system property " + name, key,
                            PROPERTY_PREFIX + closest(registry, key, Function.identity()), registry);
                }
            }
        }
        for (String name : new TreeSet<>(env.keySet())) {
            if (name.startsWith(ENV_PREFIX)) {
                String spelled = name.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT);
                // The environment spells dots as underscores: known if any spelling of a key is.
                Set<String> spellable = new TreeSet<>(all(registry));
                spellable.addAll(TOOL_KEYS);
                if (spellable.stream().noneMatch(k -> envSpelling(k).equals(spelled))
                        && mistaken(registry, spelled.replace('_', '.'))) {
                    String closest = closest(registry, spelled, OptionKeys::envSpelling);
                    warn("environment variable " + name, spelled.replace('_', '.'),
                            ENV_PREFIX + envSpelling(closest).toUpperCase(Locale.ROOT), registry);
                }
            }
        }
    }

    /**
     * Logs, once per place, the options a builder was given from a described source (a
     * properties file, a command line flag) that no layer reads.
     *
     * @param origins each such option's key and where it was set
     */
    static void warnDescribed(ProviderRegistry registry, Map<String, String> origins) {
        for (Map.Entry<String, String> e : new TreeMap<>(origins).entrySet()) {
            if (mistaken(registry, e.getKey())) {
                warn(e.getValue(), e.getKey(), closest(registry, e.getKey(), Function.identity()), registry);
            }
        }
    }

    private static void warn(String place, String key, String closest, ProviderRegistry registry) {
        if (WARNED.add(place)) {
            log.warn("{} names no pymem4j option: '{}' is unknown and ignored; known options: {}; did you mean {}?",
                    place, key, all(registry), closest);
        }
    }

    /**
     * {@code e} with where each option it names came from, when an option is set whose key and
     * quoted value both appear in its message (as in {@code option gil='maybe': ...}); {@code e}
     * itself when none is.
     *
     * @param origin where an option was set, for a key that is set
     */
    static AllocatorSetupException withOrigin(AllocatorSetupException e, ProviderRegistry registry,
                                              Set<String> givenKeys, Function<String, String> value,
                                              Function<String, String> origin) {
        String message = e.getMessage();
        if (message == null) {
            return e;
        }
        Set<String> keys = new TreeSet<>(all(registry));
        keys.addAll(givenKeys);
        StringBuilder origins = new StringBuilder();
        for (String key : keys) {
            String v = value.apply(key);
            if (v != null && message.contains(key) && (message.contains("'" + v + "'")
                    || message.contains("'" + v.strip() + "'"))) {
                origins.append(origins.isEmpty() ? " (" : "; ").append(key).append(" from ").append(origin.apply(key));
            }
        }
        if (origins.isEmpty()) {
            return e;
        }
        return new AllocatorSetupException(message + origins.append(')'), e);
    }

    /** Where the option {@code key} a runtime reads was set (see {@link PyMemRuntime#optionOrigin}), or null. */
    static String origin(String key, Map<String, String> options, Map<String, String> origins) {
        if (options.containsKey(key)) {
            return origins.getOrDefault(key, "PyMemRuntime.Builder.option in code");
        }
        if (System.getProperty(PROPERTY_PREFIX + key) != null) {
            return "the system property " + PROPERTY_PREFIX + key;
        }
        String env = ENV_PREFIX + envSpelling(key).toUpperCase(Locale.ROOT);
        return System.getenv(env) != null ? "the environment variable " + env : null;
    }

    /** Every known key, sorted. */
    static Set<String> all(ProviderRegistry registry) {
        Set<String> all = new TreeSet<>(PyMemRuntime.RUNTIME_OPTION_KEYS);
        registry.providers().values().forEach(p -> all.addAll(p.optionKeys()));
        return all;
    }

    /** The known key nearest to {@code key} by edit distance (the first by name among equals), comparing {@code spelling}s. */
    static String closest(ProviderRegistry registry, String key, Function<String, String> spelling) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : all(registry)) {
            int d = distance(key, spelling.apply(k));
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        return best;
    }

    private static String envSpelling(String key) {
        return key.replace('.', '_');
    }

    /** Levenshtein distance: the fewest single-character inserts, deletes and replacements from a to b. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int replace = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(replace, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] t = previous;
            previous = current;
            current = t;
        }
        return previous[b.length()];
    }
}
