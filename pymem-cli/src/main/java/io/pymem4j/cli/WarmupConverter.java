package io.pymem4j.cli;

import io.pymem4j.replay.ReplayEngine;
import picocli.CommandLine;

/**
 * {@code --warmup N|auto}: a count of untimed replay runs, or {@code auto}
 * ({@link ReplayEngine#AUTO_WARMUP}) for as many as the JIT needs.
 */
final class WarmupConverter implements CommandLine.ITypeConverter<Integer> {

    /** What {@code auto} warms up for. */
    static final String AUTO = ReplayEngine.WARMUP_EVENTS / 1_000_000 + " million events or "
            + ReplayEngine.WARMUP_MILLIS / 1000 + " s";

    static final String DESCRIPTION = "Untimed warm-up runs before them, for the JIT: a count, or 'auto' for as many"
            + " as " + AUTO + " take (at least one). Default: ${DEFAULT-VALUE}.";

    @Override
    public Integer convert(String value) {
        if ("auto".equals(value)) {
            return ReplayEngine.AUTO_WARMUP;
        }
        int n;
        try {
            n = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a count of runs or 'auto'");
        }
        if (n < 0) {
            throw new CommandLine.TypeConversionException("must be 0 or more, or 'auto', not " + value);
        }
        return n;
    }
}
