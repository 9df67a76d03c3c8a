package io.pymem4j.debug;

import io.pymem4j.api.AllocatorSetupException;
import io.pymem4j.spi.BlockLimit;

import java.util.Locale;
import java.util.function.Function;

/**
 * The debug layer's options, read from {@link io.pymem4j.runtime.PyMemRuntime#option(String)}
 * when the layer is created.
 *
 * <table>
 *   <caption>Options</caption>
 *   <tr><th>key</th><th>values</th><th>default</th></tr>
 *   <tr><td>{@code debug.serialno}</td><td>{@code true}, {@code false}</td><td>{@code true}:
 *       4S overhead; {@code false} is CPython's default build (3S, no serial line)</td></tr>
 *   <tr><td>{@code debug.policy}</td><td>{@code throw}, {@code abort}, {@code log}</td><td>{@code throw}</td></tr>
 *   <tr><td>{@code debug.quarantine.bytes}</td><td>bytes, with an optional k, m or g suffix
 *       (powers of 1024)</td><td>0: freed blocks go back to the backend at once. Otherwise freed
 *       blocks wait, filled with DEADBYTE, and a write after free is reported by the free
 *       that pushes the written block out (or by {@link DebugHook#flushQuarantine()})</td></tr>
 *   <tr><td>{@code debug.history}</td><td>how many of the last blocks given back to the backend, by all
 *       threads together, are remembered, to name a double free or a use after free (and, when
 *       the free is older, to say so), up to 4m: one shared history of 40 bytes a free, made at
 *       the first free, plus each thread's newest frees (up to 16, or this if less) not yet moved
 *       to it, about 0.6 KiB a thread that frees (a new thread takes over the buffer of one that
 *       ended); 0 turns it off; blocks in quarantine and leaked blocks are remembered whatever
 *       this is. While tracemalloc traces, each remembered free keeps the ids of its block's
 *       allocation and free tracebacks, and the report of a double free shows both</td><td>16384</td></tr>
 *   <tr><td>{@code debug.frames}</td><td>{@code python}, {@code java}</td><td>{@code python}: the
 *       frames of a report's tracebacks as CPython prints them, {@code File "com/example/Foo.java", line 25};
 *       {@code java} prints a Java frame as Java does, {@code at com.example.Foo.bar(Foo.java:25)},
 *       which IDEs and CI logs link to the source ({@code @PyMemTest} sets it)</td></tr>
 * </table>
 *
 * @param serialNumbers   whether blocks carry a serial number
 * @param policy          what to do after a report
 * @param quarantineBytes the most bytes of freed blocks held back from the backend
 * @param historySize     how many freed pointers are remembered
 * @param javaFrames      whether reports print Java frames as Java does (else as CPython does)
 * @since 0.1
 */
public record DebugConfig(boolean serialNumbers, CorruptionPolicy policy, long quarantineBytes, int historySize,
                          boolean javaFrames) {

    public static final String SERIALNO = "debug.serialno";
    public static final String POLICY = "debug.policy";
    public static final String QUARANTINE_BYTES = "debug.quarantine.bytes";
    public static final String HISTORY = "debug.history";
    public static final String FRAMES = "debug.frames";

    /** Serial numbers on, throw, no quarantine, 16384 remembered frees, CPython's frames. */
    public static final DebugConfig DEFAULT = new DebugConfig(true, CorruptionPolicy.THROW, 0, 16384, false);
    /** The longest {@code debug.history}: the shared history takes 40 bytes a free, up to 160 MiB. */
    public static final int MAX_HISTORY = 1 << 22;

    /** The options with reports in CPython's frame format. */
    public DebugConfig(boolean serialNumbers, CorruptionPolicy policy, long quarantineBytes, int historySize) {
        this(serialNumbers, policy, quarantineBytes, historySize, false);
    }

    public DebugConfig {
        if (policy == null) {
            throw new IllegalArgumentException("policy is null");
        }
        if (quarantineBytes < 0 || historySize < 0) {
            throw new IllegalArgumentException("negative quarantine size or history");
        }
        if (historySize > MAX_HISTORY) {
            throw new IllegalArgumentException("history " + historySize + " is over " + MAX_HISTORY);
        }
    }

    /** Reads the options through {@code option} (a runtime's {@code option} method); absent keys keep the default. */
    public static DebugConfig from(Function<String, String> option) {
        String serial = option.apply(SERIALNO);
        String policy = option.apply(POLICY);
        String quarantine = option.apply(QUARANTINE_BYTES);
        String history = option.apply(HISTORY);
        String frames = option.apply(FRAMES);
        return new DebugConfig(
                serial == null ? DEFAULT.serialNumbers : parseBoolean(SERIALNO, serial),
                policy == null ? DEFAULT.policy : parsePolicy(policy),
                quarantine == null ? DEFAULT.quarantineBytes : parseBytes(QUARANTINE_BYTES, quarantine),
                history == null ? DEFAULT.historySize : parseHistory(history),
                frames == null ? DEFAULT.javaFrames : parseFrames(frames));
    }

    private static boolean parseFrames(String value) {
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "java" -> true;
            case "python" -> false;
            default -> throw bad(FRAMES, value, "python or java");
        };
    }

    private static int parseHistory(String value) {
        long n = parseBytes(HISTORY, value);
        if (n > MAX_HISTORY) {
            throw bad(HISTORY, value, "a count of frees from 0 to " + MAX_HISTORY + " (4m)");
        }
        return (int) n;
    }

    private static boolean parseBoolean(String key, String value) {
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "true", "on", "yes", "1" -> true;
            case "false", "off", "no", "0" -> false;
            default -> throw bad(key, value, "true or false");
        };
    }

    private static CorruptionPolicy parsePolicy(String value) {
        CorruptionPolicy p = CorruptionPolicy.fromOption(value);
        if (p == null) {
            throw bad(POLICY, value, "throw, abort or log");
        }
        return p;
    }

    private static long parseBytes(String key, String value) {
        long n = BlockLimit.bytes(value);
        if (n < 0) {
            throw bad(key, value, "a count of bytes from 0 up, such as 65536 or 64k");
        }
        return n;
    }

    private static AllocatorSetupException bad(String key, String value, String expected) {
        return new AllocatorSetupException("option " + key + "='" + value + "' is not valid: expected " + expected);
    }
}
