package io.pymem4j.tracemalloc;

import java.util.Objects;

/**
 * One traced block in a {@link Snapshot}: Python's {@code tracemalloc.Trace}, plus the
 * expected flag.
 *
 * @param domain    the trace domain: 0, 1, 2 for the runtime's RAW, MEM and OBJ domains,
 *                  any other number a caller of {@link Tracemalloc#track} chose
 * @param size      the block's size in bytes
 * @param traceback where it was allocated
 * @param expected  true for a block marked as living for the whole process
 *                  ({@link Tracemalloc#markExpected}, {@link Tracemalloc#expectedScope()});
 *                  {@link ExpectedFilter#DROP_EXPECTED} removes such traces
 *
 * @since 0.1
 */
public record Trace(int domain, long size, Traceback traceback, boolean expected) {

    public Trace {
        Objects.requireNonNull(traceback, "traceback");
    }

    /** A trace not marked expected, as Python builds them. */
    public Trace(int domain, long size, Traceback traceback) {
        this(domain, size, traceback, false);
    }

    /** Python's str: {@code b.py:4: 10 B}. */
    @Override
    public String toString() {
        return traceback + ": " + Formats.size(size, false);
    }

    /** Python's repr: {@code <Trace domain=0 size=10 B, traceback=<Traceback ...>>}. */
    public String repr() {
        return "<Trace domain=" + domain + " size=" + Formats.size(size, false) + ", traceback=" + traceback.repr() + ">";
    }
}
