package io.pymem4j.debug;

/**
 * What the debug layer does after it reported a memory error ({@code debug.policy}).
 * In every case the block in question is never reused nor passed to the backend.
 */
public enum CorruptionPolicy {
    /** Throw a {@link MemoryCorruptionError} carrying the report (the default). */
    THROW,
    /**
     * Do as CPython's {@code Py_FatalError}: print the report and the current thread's stack
     * to stderr, then halt the JVM with exit status 134 (SIGABRT's), running no shutdown hook.
     */
    ABORT,
    /** Log the report at ERROR through SLF4J, leak the block and carry on. */
    LOG;

    /** The option's spelling of this policy. */
    public String optionValue() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
