package io.pymem4j.guice;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * One place configuration can come from, answering for keys without the {@code pymem4j.}
 * prefix ({@code malloc}, {@code debug.policy}).
 *
 * @param description where, for messages; {@code {key}} and {@code {KEY}} stand for the key
 *                    as a property and as an environment variable
 * @param lookup      the value of a key, or null
 * @param keys        the keys it is known to hold (empty for the system's own sources, which
 *                    the runtime reads by itself anyway)
 */
record ConfigSource(String description, Function<String, String> lookup, Set<String> keys) {

    static final String PREFIX = "pymem4j.";

    String get(String key) {
        String v = lookup.apply(key);
        return v == null || v.isBlank() ? null : v.strip();
    }

    /** Where {@code key} is set in this source, for messages. */
    String where(String key) {
        return description.replace("{key}", key).replace("{KEY}", envName(key));
    }

    static String envName(String key) {
        return "PYMEM4J_" + key.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    static ConfigSource code(Map<String, String> values) {
        Map<String, String> copy = Map.copyOf(values);
        return new ConfigSource("PyMemModule.builder()", copy::get, copy.keySet());
    }

    static ConfigSource systemProperties() {
        return new ConfigSource("the system property " + PREFIX + "{key}", k -> System.getProperty(PREFIX + k), Set.of());
    }

    static ConfigSource environment(Map<String, String> env) {
        return new ConfigSource("the environment variable {KEY}", k -> env.get(envName(k)), Set.of());
    }

    /** The {@code pymem4j.*} entries of {@code properties}; other keys are the application's. */
    static ConfigSource properties(Properties properties, String description) {
        Map<String, String> values = new TreeMap<>();
        for (String name : properties.stringPropertyNames()) {
            if (name.startsWith(PREFIX)) {
                values.put(name.substring(PREFIX.length()), properties.getProperty(name));
            }
        }
        return new ConfigSource(PREFIX + "{key} in " + description, values::get, new TreeSet<>(values.keySet()));
    }

    static ConfigSource file(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        return properties(p, file.toString());
    }

    /** A class path resource, or null when there is none of that name. */
    static ConfigSource resource(String name, ClassLoader loader) throws IOException {
        try (InputStream in = loader.getResourceAsStream(name)) {
            if (in == null) {
                return null;
            }
            Properties p = new Properties();
            p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
            return properties(p, "the class path resource " + name);
        }
    }
}
