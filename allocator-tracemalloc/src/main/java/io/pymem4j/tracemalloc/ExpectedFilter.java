package io.pymem4j.tracemalloc;

/**
 * Filters traces by the expected flag (blocks marked as living for the whole process, see
 * {@link Tracemalloc#markExpected}); no Python counterpart. Inclusive keeps only expected
 * traces; exclusive, {@link #DROP_EXPECTED}, drops them, which is what a leak report wants.
 *
 * @param inclusive inclusive or exclusive
 * @since 0.1
 */
public record ExpectedFilter(boolean inclusive) implements BaseFilter {

    /** Drops the traces marked expected. */
    public static final ExpectedFilter DROP_EXPECTED = new ExpectedFilter(false);

    @Override
    public boolean matches(Trace trace) {
        return trace.expected() == inclusive;
    }
}
