package io.pymem4j.tracemalloc;

import java.util.Comparator;
import java.util.Objects;

/**
 * The blocks of one group of a snapshot: Python's {@code tracemalloc.Statistic}.
 *
 * @param traceback the group's key (see {@link KeyType})
 * @param size      the total size of its blocks in bytes
 * @param count     how many blocks it has
 * @since 0.1
 */
public record Statistic(Traceback traceback, long size, long count) {

    /** Python's sort: descending by (size, count, traceback). */
    static final Comparator<Statistic> LARGEST_FIRST = Comparator.comparingLong(Statistic::size)
            .thenComparingLong(Statistic::count)
            .thenComparing(Statistic::traceback)
            .reversed();

    public Statistic {
        Objects.requireNonNull(traceback, "traceback");
    }

    /** Python's str: {@code b.py:1: size=66 B, count=1, average=66 B}. */
    @Override
    public String toString() {
        return Formats.withAverage(traceback + ": size=" + Formats.size(size, false) + ", count=" + count, size, count);
    }

    /** Python's repr: {@code <Statistic traceback=... size=66 count=1>}. */
    public String repr() {
        return "<Statistic traceback=" + traceback.repr() + " size=" + size + " count=" + count + ">";
    }
}
