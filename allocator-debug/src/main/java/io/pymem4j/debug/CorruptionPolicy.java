package io.pymem4j.debug;

import org.slf4j.Marker;
import org.slf4j.MarkerFactory;

/**
 * What the debug layer does after it reported a memory error ({@code debug.policy}).
 * In every case the block in question is never reused nor passed to the backend, and the
 * report was first logged at ERROR on {@value DebugHook#REPORT_LOGGER}.
 *
 * @since 0.1
 */
public enum CorruptionPolicy {
    /** Throw a {@link MemoryCorruptionError} carrying the report (the default). */
    THROW,
    /**
     * Do as CPython's {@code Py_FatalError}: print the report and the current thread's stack
     * to stderr, then halt the JVM with exit status 134 (SIGABRT's), running no shutdown hook.
     */
    ABORT,
    /**
     * Leak the block and carry on: the report's log event is all that is left of it. A MEM
     * or OBJ call made in GIL mode without the interpreter lock is refused after its report:
     * malloc, calloc and realloc return NULL (realloc's block stays as it was) and free keeps
     * the block, since the allocator below takes no lock and would be corrupted.
     */
    LOG;

    private final Marker marker = MarkerFactory.getMarker("debug.policy=" + optionValue());

    /** The policy an option value spells ({@code throw}, {@code abort}, {@code log}; any case), or null. */
    public static CorruptionPolicy fromOption(String value) {
        for (CorruptionPolicy p : values()) {
            if (p.optionValue().equalsIgnoreCase(value.strip())) {
                return p;
            }
        }
        return null;
    }

    /** The option's spelling of this policy. */
    public String optionValue() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * The SLF4J marker of a report's log event under this policy, {@code debug.policy=log} and
     * so on: a logging configuration can show the reports nothing else prints (under
     * {@code log}) and leave out those an error or the halt carries.
     */
    public Marker marker() {
        return marker;
    }
}
