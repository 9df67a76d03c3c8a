package io.pymem4j.tracemalloc;

/**
 * A filter of {@link Snapshot#filterTraces}: Python's {@code tracemalloc.BaseFilter}.
 * A trace is kept when it matches <em>any</em> inclusive filter (if there is one) and
 * <em>every</em> exclusive filter accepts it.
 *
 * @since 0.1
 */
public sealed interface BaseFilter permits Filter, DomainFilter, ExpectedFilter {

    /** True for an inclusive filter, false for an exclusive one. */
    boolean inclusive();

    /**
     * Python's {@code _match}: for an inclusive filter, true when the trace is selected; for an
     * exclusive filter, true when the trace is kept.
     */
    boolean matches(Trace trace);
}
