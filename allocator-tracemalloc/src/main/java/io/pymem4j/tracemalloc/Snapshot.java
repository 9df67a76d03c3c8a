package io.pymem4j.tracemalloc;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The traces of the live blocks at one moment: Python's {@code tracemalloc.Snapshot}.
 * Immutable; {@link Tracemalloc#takeSnapshot()} makes one, and tests build them from
 * hand-made {@link Trace}s.
 *
 * <h2>Sampled snapshots</h2>
 * A snapshot taken while tracing was sampled ({@link Tracemalloc#start(int, long)}) holds
 * the sampled blocks and records the sampling interval {@code R}
 * ({@link #samplingInterval()}, 0 for exact tracing). Its traces keep their blocks' real
 * sizes; {@link #statistics}, {@link #compareTo}, {@link #sizeEstimate()} and the flame
 * graph count each trace of {@code Z} bytes as {@link #estimatedSize(Trace)} bytes,
 * {@code Z / (1 - e^(-Z/R))} rounded, and {@link #estimatedCount(Trace)} blocks,
 * {@code 1 / (1 - e^(-Z/R))}, summed before rounding: their figures are estimates, whose
 * errors {@link TracedEstimate} states.
 *
 * <h2>Files</h2>
 * {@link #load} reads both formats of {@link SnapshotFormat}, told apart by their first
 * bytes: this port's own ({@link #dump(Path)}), which keeps Java frames, the expected flag
 * and the sampling interval, and CPython's pickle ({@code dump(file, SnapshotFormat.PICKLE)}),
 * which Python's {@code tracemalloc.Snapshot.load()} opens and whose {@code Snapshot.dump()}
 * files this class loads. Python's format has no sampling weight: a snapshot of sampled
 * tracing is written with each trace's estimated size ({@link #estimatedSize(Trace)}, the
 * bytes it stands for), so Python's statistics of the file estimate the totals as this
 * class's do (its counts are then the sampled blocks').
 *
 * <h2>This port's format (version 1, or 2 when sampled)</h2>
 * A small binary format, readable by any later version of this class. All numbers are
 * big-endian ({@link java.io.DataOutputStream});
 * a string is an {@code int} byte length then that many UTF-8 bytes; a string index of -1
 * is null.
 * <pre>
 *   int     magic 0x504D544D ("PMTM")
 *   int     format version (1; 2 for a sampled snapshot)
 *   int     traceback limit
 *   long    sampling interval in bytes                 version 2 only
 *   int     A; A x (string key, string value)          attributes
 *   int     S; S x string                              string table
 *   int     F; F x (int filename, int lineno,          frames (string indexes)
 *                   int className, int methodName)
 *   int     T; T x (int totalNframe or -1,             tracebacks, each frame an index
 *                   int n, n x int frame)              into the frames, oldest first
 *   int     N; N x (int domain, long size,             traces
 *                   int traceback, byte flags)         flags bit 0: expected
 * </pre>
 * Frames and tracebacks are written once each, so a file of a million traces from a few
 * call sites stays small, and the loaded snapshot shares tracebacks as the original does.
 * {@link #attributes()} carry what Python keeps as extra attributes of a pickled snapshot.
 *
 * @since 0.1
 */
public final class Snapshot {

    private final List<Trace> traces;
    private final int tracebackLimit;
    private final long samplingInterval;
    private final Map<String, String> attributes;

    /** A snapshot of {@code traces} taken with traceback limit {@code tracebackLimit}. */
    public Snapshot(List<Trace> traces, int tracebackLimit) {
        this(traces, tracebackLimit, Map.of());
    }

    /** A snapshot with attributes (free text saved by {@link #dump}). */
    public Snapshot(List<Trace> traces, int tracebackLimit, Map<String, String> attributes) {
        this(traces, tracebackLimit, 0, attributes);
    }

    /**
     * A snapshot of sampled traces: {@code samplingInterval} is the mean interval in bytes
     * tracing sampled with, 0 when every block was traced.
     *
     * @throws IllegalArgumentException for a negative interval
     */
    public Snapshot(List<Trace> traces, int tracebackLimit, long samplingInterval, Map<String, String> attributes) {
        if (samplingInterval < 0) {
            throw new IllegalArgumentException("negative sampling interval " + samplingInterval);
        }
        this.traces = List.copyOf(traces);
        this.tracebackLimit = tracebackLimit;
        this.samplingInterval = samplingInterval;
        this.attributes = Map.copyOf(attributes);
    }

    /** The traces, in the order they were taken. */
    public List<Trace> traces() {
        return traces;
    }

    /** The traceback limit tracing used when the snapshot was taken. */
    public int tracebackLimit() {
        return tracebackLimit;
    }

    /** The mean sampling interval in bytes of the tracing that took this snapshot; 0 when it traced every block. */
    public long samplingInterval() {
        return samplingInterval;
    }

    /** True when the traces are a sample and the figures estimates ({@link #samplingInterval()} above 0). */
    public boolean sampled() {
        return samplingInterval != 0;
    }

    /** The bytes {@code t} stands for: its size when exact, {@code Z / (1 - e^(-Z/R))} rounded when sampled. */
    public long estimatedSize(Trace t) {
        return ByteSampler.estimatedBytes(t.size(), samplingInterval);
    }

    /** The blocks {@code t} stands for: 1 when exact, {@code 1 / (1 - e^(-Z/R))} when sampled. */
    public double estimatedCount(Trace t) {
        return ByteSampler.weight(t.size(), samplingInterval);
    }

    /** The bytes of all the traces, with the standard error and interval of the estimate (0 when exact). */
    public TracedEstimate sizeEstimate() {
        long sum = 0;
        double variance = 0;
        for (Trace t : traces) {
            sum += estimatedSize(t);
            variance += ByteSampler.byteVariance(t.size(), samplingInterval);
        }
        return new TracedEstimate(sum, Math.sqrt(variance), traces.size(), samplingInterval);
    }

    /** The number of blocks of all the traces, with the standard error and interval of the estimate (0 when exact). */
    public TracedEstimate countEstimate() {
        double sum = 0;
        double variance = 0;
        for (Trace t : traces) {
            double w = estimatedCount(t);
            sum += w;
            variance += w * (w - 1);
        }
        return new TracedEstimate(sum, Math.sqrt(variance), traces.size(), samplingInterval);
    }

    /** Free-form attributes that {@link #dump} and {@link #load} keep. */
    public Map<String, String> attributes() {
        return attributes;
    }

    /** This snapshot with one more attribute. */
    public Snapshot withAttribute(String key, String value) {
        Map<String, String> more = new HashMap<>(attributes);
        more.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
        return new Snapshot(traces, tracebackLimit, samplingInterval, more);
    }

    /**
     * A new snapshot of the traces the filters keep (see {@link BaseFilter}); this one is left
     * alone. An empty list gives a copy.
     */
    public Snapshot filterTraces(List<? extends BaseFilter> filters) {
        List<BaseFilter> include = new ArrayList<>();
        List<BaseFilter> exclude = new ArrayList<>();
        for (BaseFilter f : filters) {
            (f.inclusive() ? include : exclude).add(f);
        }
        List<Trace> kept = new ArrayList<>();
        for (Trace t : traces) {
            if (keeps(include, exclude, t)) {
                kept.add(t);
            }
        }
        return new Snapshot(kept, tracebackLimit, samplingInterval, attributes);
    }

    private static boolean keeps(List<BaseFilter> include, List<BaseFilter> exclude, Trace t) {
        if (!include.isEmpty() && include.stream().noneMatch(f -> f.matches(t))) {
            return false;
        }
        return exclude.stream().allMatch(f -> f.matches(t));
    }

    /** This snapshot without the traces marked expected ({@link ExpectedFilter#DROP_EXPECTED}). */
    public Snapshot withoutExpected() {
        return filterTraces(List.of(ExpectedFilter.DROP_EXPECTED));
    }

    /** {@code statistics(key_type)}: non-cumulative statistics, largest first (estimates when {@link #sampled()}). */
    public List<Statistic> statistics(String keyType) {
        return statistics(KeyType.of(keyType), false);
    }

    /** {@code statistics(key_type, cumulative)}. */
    public List<Statistic> statistics(String keyType, boolean cumulative) {
        return statistics(KeyType.of(keyType), cumulative);
    }

    /**
     * The traces grouped by {@code keyType}, sorted descending by (size, count, traceback).
     * In cumulative mode every frame of a trace adds the trace to its group (by line or by
     * file), so callers are charged for what their callees allocated.
     *
     * @throws IllegalArgumentException {@code cumulative mode cannot by used with key type
     *                                  'traceback'} (sic, Python's text)
     */
    public List<Statistic> statistics(KeyType keyType, boolean cumulative) {
        List<Statistic> stats = groupBy(keyType, cumulative);
        stats.sort(Statistic.LARGEST_FIRST);
        return stats;
    }

    /** {@code compare_to(old, key_type)}. */
    public List<StatisticDiff> compareTo(Snapshot old, String keyType) {
        return compareTo(old, KeyType.of(keyType), false);
    }

    /** {@code compare_to(old, key_type, cumulative)}. */
    public List<StatisticDiff> compareTo(Snapshot old, String keyType, boolean cumulative) {
        return compareTo(old, KeyType.of(keyType), cumulative);
    }

    /**
     * The change of every group from {@code old} to this snapshot, sorted descending by
     * (|size diff|, size, |count diff|, count, traceback).
     */
    public List<StatisticDiff> compareTo(Snapshot old, KeyType keyType, boolean cumulative) {
        Map<Traceback, Statistic> previous = new LinkedHashMap<>();
        for (Statistic s : old.groupBy(keyType, cumulative)) {
            previous.put(s.traceback(), s);
        }
        List<StatisticDiff> diffs = new ArrayList<>();
        for (Statistic s : groupBy(keyType, cumulative)) {
            Statistic p = previous.remove(s.traceback());
            long oldSize = p == null ? 0 : p.size();
            long oldCount = p == null ? 0 : p.count();
            diffs.add(new StatisticDiff(s.traceback(), s.size(), s.size() - oldSize, s.count(), s.count() - oldCount));
        }
        for (Statistic p : previous.values()) {
            diffs.add(new StatisticDiff(p.traceback(), 0, -p.size(), 0, -p.count()));
        }
        diffs.sort(StatisticDiff.LARGEST_CHANGE_FIRST);
        return diffs;
    }

    /** Python's {@code _group_by}: the groups in first-seen order. */
    private List<Statistic> groupBy(KeyType keyType, boolean cumulative) {
        Objects.requireNonNull(keyType, "keyType");
        if (cumulative && keyType == KeyType.TRACEBACK) {
            throw new IllegalArgumentException("cumulative mode cannot by used with key type "
                    + Formats.pyRepr(keyType.pythonName()));
        }
        Map<Object, Traceback> keys = new HashMap<>();
        Map<Traceback, double[]> groups = new LinkedHashMap<>();
        for (Trace t : traces) {
            long size = estimatedSize(t);
            double count = estimatedCount(t);
            if (!cumulative) {
                add(groups, keys.computeIfAbsent(t.traceback(), tb -> key(keyType, (Traceback) tb)), size, count);
            } else {
                for (Frame f : t.traceback()) {
                    add(groups, keys.computeIfAbsent(f, fr -> key(keyType, (Frame) fr)), size, count);
                }
            }
        }
        List<Statistic> stats = new ArrayList<>(groups.size());
        groups.forEach((tb, sc) -> stats.add(new Statistic(tb, (long) sc[0], Math.round(sc[1]))));
        return stats;
    }

    /** Sums in doubles: the sizes are whole and exact below 2^53 bytes, the counts weights when sampled. */
    private static void add(Map<Traceback, double[]> groups, Traceback key, long size, double count) {
        double[] sc = groups.computeIfAbsent(key, k -> new double[2]);
        sc[0] += size;
        sc[1] += count;
    }

    private static Traceback key(KeyType keyType, Traceback tb) {
        return switch (keyType) {
            case TRACEBACK -> tb.withoutTotal();
            case LINENO, FILENAME -> key(keyType, tb.mostRecent());
        };
    }

    private static Traceback key(KeyType keyType, Frame f) {
        return keyType == KeyType.FILENAME ? Traceback.of(Frame.of(f.filename(), 0)) : Traceback.of(f);
    }

    /**
     * Writes the bytes of this snapshot by traceback as an interactive flame graph: one
     * self-contained HTML file (see {@link FlameGraph}; {@link FlameGraph#ofDiff} draws a
     * comparison).
     */
    public void writeFlameGraph(Path file) throws IOException {
        FlameGraph.of(this).write(file);
    }

    /** Writes this snapshot to {@code file} in this port's format ({@link SnapshotFormat#PYMEM4J}). */
    public void dump(Path file) throws IOException {
        dump(file, SnapshotFormat.PYMEM4J);
    }

    /**
     * Writes this snapshot to {@code file} in {@code format}: {@link SnapshotFormat#PICKLE}
     * is the file Python's {@code tracemalloc.Snapshot.load()} opens.
     *
     * @throws IOException on a write error, or (pickle) an attribute named as one of Python's
     *                     snapshot's own ({@code traces}, {@code traceback_limit})
     */
    public void dump(Path file, SnapshotFormat format) throws IOException {
        switch (format) {
            case PYMEM4J -> SnapshotFile.write(this, file);
            case PICKLE -> SnapshotPickle.write(this, file);
        }
    }

    /**
     * Reads a snapshot in either {@link SnapshotFormat}: one {@link #dump} wrote, or one
     * Python's {@code Snapshot.dump()} wrote. Reading a pickle runs nothing it names.
     *
     * @throws IOException on a read error, or a file that is not a snapshot or of a later version
     */
    public static Snapshot load(Path file) throws IOException {
        return SnapshotFile.read(file);
    }

    @Override
    public String toString() {
        return "<Snapshot traces=" + traces.size() + " traceback_limit=" + tracebackLimit
                + (sampled() ? " sampling_interval=" + samplingInterval + ">" : ">");
    }
}
