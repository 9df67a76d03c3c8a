package io.pymem4j.tracemalloc;

/**
 * Filters traces by domain: Python's {@code tracemalloc.DomainFilter}. Inclusive keeps the
 * traces of {@code domain}; exclusive keeps the others.
 *
 * @param inclusive inclusive or exclusive
 * @param domain    the trace domain (0 RAW, 1 MEM, 2 OBJ, or a {@link Tracemalloc#track} domain)
 * @since 0.1
 */
public record DomainFilter(boolean inclusive, int domain) implements BaseFilter {

    @Override
    public boolean matches(Trace trace) {
        return (trace.domain() == domain) == inclusive;
    }
}
