package io.pymem4j.runtime;

import io.pymem4j.api.AllocatorSetupException;

import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The option values of one runtime and where each comes from: the builder's (set in code, or
 * read from a source the builder was given with it), else the system property
 * {@code pymem4j.KEY}, else the environment variable {@code PYMEM4J_KEY} (upper case, dots as
 * underscores). {@link OptionKeys} knows which keys exist; this class answers a key's value,
 * its origin, and its value as a boolean.
 */
final class RuntimeOptions {

    private final Map<String, String> given;
    /** Where the builder's options given with a source came from (the others were set in code). */
    private final Map<String, String> origins;

    RuntimeOptions(Map<String, String> given, Map<String, String> origins) {
        this.given = Map.copyOf(given);
        this.origins = Map.copyOf(origins);
    }

    /**
     * Refuses an unknown key set in code, and warns (once per place) about unknown keys in the
     * system properties, the environment and the described sources.
     *
     * @throws AllocatorSetupException naming the first unknown key set in code
     */
    void check(ProviderRegistry registry) {
        Set<String> inCode = new HashSet<>(given.keySet());
        inCode.removeAll(origins.keySet());
        OptionKeys.checkGiven(registry, inCode);
        OptionKeys.warnConfigured(registry);
        OptionKeys.warnDescribed(registry, origins);
    }

    /** The value of {@code key}: the builder's, else the system property's, else the environment's, else null. */
    String value(String key) {
        String v = given.get(key);
        if (v == null) {
            v = System.getProperty("pymem4j." + key);
        }
        if (v == null) {
            v = System.getenv("PYMEM4J_" + key.toUpperCase(Locale.ROOT).replace('.', '_'));
        }
        return v;
    }

    /** Where the value of {@code key} was set, for messages (see {@link PyMemRuntime#optionOrigin}); null when unset. */
    String origin(String key) {
        return OptionKeys.origin(key, given, origins);
    }

    /** {@code e}, with where the options its message names were set. */
    AllocatorSetupException withOrigin(AllocatorSetupException e, ProviderRegistry registry) {
        return OptionKeys.withOrigin(e, registry, given.keySet(), this::value, this::origin);
    }

    /**
     * The value of {@code key} as a boolean (see {@link #parseBoolean}).
     *
     * @throws AllocatorSetupException for a value that is not one, naming where it was set
     */
    boolean booleanValue(String key, ProviderRegistry registry) {
        try {
            return parseBoolean(key, value(key));
        } catch (AllocatorSetupException e) {
            throw withOrigin(e, registry);
        }
    }

    /**
     * {@code value} of the option {@code key} as a boolean: {@code true} or {@code false} in
     * any case; null is false.
     *
     * @throws AllocatorSetupException for any other value, naming the option and the value
     */
    static boolean parseBoolean(String key, String value) {
        if (value == null || value.strip().equalsIgnoreCase("false")) {
            return false;
        }
        if (value.strip().equalsIgnoreCase("true")) {
            return true;
        }
        throw new AllocatorSetupException("option " + key + "='" + value + "': expected true or false");
    }
}
