package io.pymem4j.tracemalloc;

import java.util.Comparator;
import java.util.Objects;

/**
 * One group's change between two snapshots: Python's {@code tracemalloc.StatisticDiff}.
 * A group only in the old snapshot has size and count 0 and negative differences; one
 * only in the new snapshot has differences equal to its values.
 *
 * @param traceback the group's key
 * @param size      its size in the new snapshot
 * @param sizeDiff  new size minus old size
 * @param count     its block count in the new snapshot
 * @param countDiff new count minus old count
 * @since 0.1
 */
public record StatisticDiff(Traceback traceback, long size, long sizeDiff, long count, long countDiff) {

    /** Python's sort: descending by (|size_diff|, size, |count_diff|, count, traceback). */
    static final Comparator<StatisticDiff> LARGEST_CHANGE_FIRST = Comparator
            .comparingLong((StatisticDiff d) -> Math.abs(d.sizeDiff()))
            .thenComparingLong(StatisticDiff::size)
            .thenComparingLong(d -> Math.abs(d.countDiff()))
            .thenComparingLong(StatisticDiff::count)
            .thenComparing(StatisticDiff::traceback)
            .reversed();

    public StatisticDiff {
        Objects.requireNonNull(traceback, "traceback");
    }

    /** Python's str: {@code a.py:5: size=5002 B (+5000 B), count=2 (+1), average=2501 B}. */
    @Override
    public String toString() {
        return Formats.withAverage(traceback + ": size=" + Formats.size(size, false) + " (" + Formats.size(sizeDiff, true)
                + "), count=" + count + " (" + Formats.signed(countDiff) + ")", size, count);
    }

    /** Python's repr: {@code <StatisticDiff traceback=... size=5002 (+5000) count=2 (+1)>}. */
    public String repr() {
        return "<StatisticDiff traceback=" + traceback.repr() + " size=" + size + " (" + Formats.signed(sizeDiff)
                + ") count=" + count + " (" + Formats.signed(countDiff) + ")>";
    }
}
