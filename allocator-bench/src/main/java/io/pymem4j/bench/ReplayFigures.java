package io.pymem4j.bench;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One replay of one trace through one allocator, as a benchmark run reports it: a pymem4j
 * stack or a Java peer (each in its own JVM, {@link ReplayWorker}), or a backend of the C
 * replayer ({@link CReplayer}). A target that could not run has NaN times and a note.
 *
 * @param trace            the trace's name ({@code compile})
 * @param target           the stack label, peer label, or {@code C } + the C backend
 * @param kind             which of the three it is
 * @param events           events a run
 * @param runs             timed runs
 * @param medianNsPerEvent the median run's nanoseconds per event
 * @param minNsPerEvent    the fastest run's
 * @param baseRssKib       RSS before the timed runs, KiB, or -1
 * @param peakRssKib       the RSS high-water mark over the timed runs, KiB, or -1
 * @param arenaBytesPeak   the most pymalloc arena bytes held at once, or -1 where there are no arenas
 * @param arenaBytesEnd    the arena bytes held at the end of the last run, before its live blocks are freed, or -1
 * @param note             why the target did not run, or what to know about its figures; empty if nothing
 */
public record ReplayFigures(String trace, String target, Kind kind, long events, int runs, double medianNsPerEvent,
                            double minNsPerEvent, long baseRssKib, long peakRssKib, long arenaBytesPeak,
                            long arenaBytesEnd, String note) {

    /** What was replayed. */
    public enum Kind {
        /** A pymem4j stack ({@link BenchStack}). */
        STACK,
        /** A Java peer ({@link Peer}). */
        PEER,
        /** A backend of the C replayer, in C. */
        C
    }

    /** The C replayer's backend that every ratio is taken to: CPython's own obmalloc. */
    public static final String C_OBMALLOC = "C pymalloc";

    /** Figures of a target that did not run. */
    public static ReplayFigures notRun(String trace, String target, Kind kind, String why) {
        return new ReplayFigures(trace, target, kind, 0, 0, Double.NaN, Double.NaN, -1, -1, -1, -1, why);
    }

    /**
     * The figures of one target replayed in several processes (forks), as one: the median of
     * the forks' medians, so that one fork whose JIT compiled the loop unluckily does not
     * move the figure; the fastest run of all; the runs of all; and
     * the memory of the fork with the highest RSS peak, with every arena figure at its
     * largest (the conservative reading for a memory goal). Forks that did not run are left
     * out; when none ran, the first one's figures are returned.
     *
     * @throws IllegalArgumentException if {@code forks} is empty or mixes traces or targets
     */
    public static ReplayFigures ofForks(List<ReplayFigures> forks) {
        if (forks.isEmpty()) {
            throw new IllegalArgumentException("no forks");
        }
        ReplayFigures first = forks.getFirst();
        for (ReplayFigures f : forks) {
            if (!f.trace.equals(first.trace) || !f.target.equals(first.target)) {
                throw new IllegalArgumentException("forks of " + first.trace + "/" + first.target + " and "
                        + f.trace + "/" + f.target + " cannot be merged");
            }
        }
        List<ReplayFigures> ran = forks.stream().filter(ReplayFigures::measured).toList();
        if (ran.isEmpty()) {
            return first;
        }
        double[] medians = ran.stream().mapToDouble(ReplayFigures::medianNsPerEvent).sorted().toArray();
        int mid = medians.length / 2;
        double median = medians.length % 2 == 1 ? medians[mid] : (medians[mid - 1] + medians[mid]) / 2;
        ReplayFigures rss = ran.stream().max(Comparator.comparingLong(ReplayFigures::peakRssKib)).orElseThrow();
        String notes = ran.stream().map(ReplayFigures::note).filter(n -> !n.isEmpty()).distinct()
                .collect(Collectors.joining("; "));
        return new ReplayFigures(first.trace, first.target, first.kind, first.events,
                ran.stream().mapToInt(ReplayFigures::runs).sum(), median,
                ran.stream().mapToDouble(ReplayFigures::minNsPerEvent).min().orElseThrow(),
                rss.baseRssKib, rss.peakRssKib,
                ran.stream().mapToLong(ReplayFigures::arenaBytesPeak).max().orElseThrow(),
                ran.stream().mapToLong(ReplayFigures::arenaBytesEnd).max().orElseThrow(), notes);
    }

    /** True when the target ran and has times. */
    public boolean measured() {
        return !Double.isNaN(medianNsPerEvent);
    }

    /** RSS growth over the runs (peak - base), KiB, or -1. */
    public long rssGrowthKib() {
        return peakRssKib < 0 || baseRssKib < 0 ? -1 : peakRssKib - baseRssKib;
    }

    /** The line a {@link ReplayWorker} prints: key=value fields, the note last (it may hold spaces). */
    String toLine() {
        return String.format(Locale.ROOT, "%s trace=%s target=%s kind=%s events=%d runs=%d median_ns_per_event=%.4f"
                        + " min_ns_per_event=%.4f base_rss_kib=%d peak_rss_kib=%d arena_bytes_peak=%d arena_bytes_end=%d note=%s",
                LINE_TAG, trace, target, kind, events, runs, medianNsPerEvent, minNsPerEvent, baseRssKib, peakRssKib,
                arenaBytesPeak, arenaBytesEnd, note.replaceAll("\\s+", " "));
    }

    static final String LINE_TAG = "pymem-bench-replay";

    /** Parses {@link #toLine()}'s format. */
    static ReplayFigures parseLine(String line) {
        if (!line.startsWith(LINE_TAG + " ")) {
            throw new IllegalArgumentException("not a replay result line: " + line);
        }
        int noteAt = line.indexOf(" note=");
        String fields = noteAt < 0 ? line.substring(LINE_TAG.length() + 1) : line.substring(LINE_TAG.length() + 1, noteAt);
        String note = noteAt < 0 ? "" : line.substring(noteAt + " note=".length());
        Map<String, String> f = new LinkedHashMap<>();
        for (String kv : fields.strip().split(" +")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                f.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        return new ReplayFigures(f.get("trace"), f.get("target"), Kind.valueOf(f.get("kind")),
                Long.parseLong(f.get("events")), Integer.parseInt(f.get("runs")),
                Double.parseDouble(f.get("median_ns_per_event")), Double.parseDouble(f.get("min_ns_per_event")),
                Long.parseLong(f.get("base_rss_kib")), Long.parseLong(f.get("peak_rss_kib")),
                Long.parseLong(f.get("arena_bytes_peak")), Long.parseLong(f.get("arena_bytes_end")), note);
    }
}
