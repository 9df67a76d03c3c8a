package io.pymem4j.tracemalloc;

import java.util.Locale;

/**
 * How {@link Snapshot#statistics} groups traces: Python's {@code key_type} strings.
 *
 * @since 0.1
 */
public enum KeyType {
    /** By the whole traceback; not allowed in cumulative mode. */
    TRACEBACK,
    /** By the most recent frame's file: the key is {@code ((filename, 0),)}. */
    FILENAME,
    /** By the most recent frame. */
    LINENO;

    /** The Python spelling: {@code traceback}, {@code filename} or {@code lineno}. */
    public String pythonName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The key type of a Python spelling.
     *
     * @throws IllegalArgumentException {@code unknown key_type: 'x'}, Python's ValueError
     */
    public static KeyType of(String keyType) {
        for (KeyType k : values()) {
            if (k.pythonName().equals(keyType)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown key_type: " + (keyType == null ? "None" : Formats.pyRepr(keyType)));
    }
}
