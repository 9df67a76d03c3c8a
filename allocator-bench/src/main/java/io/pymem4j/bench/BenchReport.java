package io.pymem4j.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The {@code results.md} of {@code pymem bench}: where and how it was measured, the replay
 * table (ns per event and the ratio to the C obmalloc on the same trace), memory (peak
 * RSS, its growth over the runs, pymalloc arena bytes at peak and at the end), the JMH
 * tables, and what did not run.
 */
final class BenchReport {

    /** The chart files beside results.md, as {@link BenchChart} writes them. */
    static final String REPLAY_CHART = "replay.png";
    static final String PAIR_CHART = "jmh-pair.png";

    /** Where and how a run was made, for the report's head. */
    record Setup(String date, String machine, String jdk, String command, String method) {
    }

    private BenchReport() {
    }

    static String markdown(Setup setup, List<ReplayFigures> replay, List<JmhRow> jmh) {
        StringBuilder md = new StringBuilder();
        md.append("# pymem4j benchmark results\n\n");
        md.append("- Date: ").append(setup.date()).append('\n');
        md.append("- Machine: ").append(setup.machine()).append('\n');
        md.append("- JDK: ").append(setup.jdk()).append('\n');
        md.append("- Command: `").append(setup.command()).append("`\n");
        md.append("- Method: ").append(setup.method()).append("\n\n");
        if (!replay.isEmpty()) {
            replaySummary(md, replay);
            if (replay.stream().anyMatch(ReplayFigures::measured)) {
                md.append("![Trace replay, ns per event](").append(REPLAY_CHART).append(")\n\n");
            }
            memory(md, replay);
        }
        if (!jmh.isEmpty()) {
            jmhTables(md, jmh);
            twoThreadScaling(md, jmh);
            if (jmh.stream().anyMatch(r -> r.suite().equals("Pair"))) {
                md.append("![JMH pairs, ns per malloc + free](").append(PAIR_CHART).append(")\n\n");
            }
        }
        notes(md, replay);
        return md.toString();
    }

    private static List<String> traces(List<ReplayFigures> replay) {
        return new ArrayList<>(replay.stream().map(ReplayFigures::trace).collect(LinkedHashSet<String>::new, Set::add,
                Set::addAll));
    }

    /** Every target, the C anchors first, then the stacks, then the peers, each in run order. */
    private static List<String> targets(List<ReplayFigures> replay) {
        Set<String> targets = new LinkedHashSet<>();
        for (ReplayFigures.Kind k : List.of(ReplayFigures.Kind.C, ReplayFigures.Kind.STACK, ReplayFigures.Kind.PEER)) {
            for (ReplayFigures f : replay) {
                if (f.kind() == k) {
                    targets.add(f.target());
                }
            }
        }
        return new ArrayList<>(targets);
    }

    private static ReplayFigures find(List<ReplayFigures> replay, String trace, String target) {
        for (ReplayFigures f : replay) {
            if (f.trace().equals(trace) && f.target().equals(target)) {
                return f;
            }
        }
        return null;
    }

    /** The ratio of {@code f} to the C obmalloc on its trace, or NaN. */
    static double ratio(List<ReplayFigures> replay, ReplayFigures f) {
        ReplayFigures c = find(replay, f.trace(), ReplayFigures.C_OBMALLOC);
        return c == null || !c.measured() || !f.measured() ? Double.NaN : f.medianNsPerEvent() / c.medianNsPerEvent();
    }

    private static void replaySummary(StringBuilder md, List<ReplayFigures> replay) {
        List<String> traces = traces(replay);
        md.append("## Trace replay: ns per event (x C obmalloc)\n\n");
        md.append("Median run, nanoseconds per allocator call; in brackets the ratio to `")
                .append(ReplayFigures.C_OBMALLOC).append("` (CPython 3.11's obmalloc) on the same trace.\n\n");
        md.append("| target |");
        traces.forEach(t -> md.append(' ').append(t).append(" |"));
        md.append("\n|---|");
        traces.forEach(t -> md.append("---:|"));
        md.append('\n');
        for (String target : targets(replay)) {
            md.append("| ").append(target).append(" |");
            for (String trace : traces) {
                ReplayFigures f = find(replay, trace, target);
                md.append(' ').append(f == null ? "" : !f.measured() ? "not run" : cell(replay, f)).append(" |");
            }
            md.append('\n');
        }
        md.append('\n');
    }

    private static String cell(List<ReplayFigures> replay, ReplayFigures f) {
        double r = ratio(replay, f);
        return String.format(Locale.ROOT, "%.1f", f.medianNsPerEvent())
                + (Double.isNaN(r) ? "" : String.format(Locale.ROOT, " (%.2fx)", r));
    }

    private static void memory(StringBuilder md, List<ReplayFigures> replay) {
        md.append("## Per trace: time and memory\n\n");
        md.append("Peak RSS is the process's high-water mark over the timed runs; growth is peak minus the RSS before them"
                + " (a JVM's base holds the JVM and the decoded trace, so compare growth, not peaks, with C). Arena bytes:"
                + " pymalloc's arenas at their most and at the end of the last run, before its live blocks are freed;"
                + " the C obmalloc's include the embedded interpreter's own objects.\n\n");
        for (String trace : traces(replay)) {
            md.append("### ").append(trace);
            replay.stream().filter(f -> f.trace().equals(trace) && f.measured()).findFirst()
                    .ifPresent(f -> md.append(String.format(Locale.ROOT, " (%,d events, %d timed runs)", f.events(), f.runs())));
            md.append("\n\n| target | median ns/event | min ns/event | x C obmalloc | peak RSS MiB | RSS growth MiB"
                    + " | arena MiB at peak | arena MiB at end |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
            for (String target : targets(replay)) {
                ReplayFigures f = find(replay, trace, target);
                if (f == null || !f.measured()) {
                    continue;
                }
                double r = ratio(replay, f);
                md.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %s | %s | %s | %s | %s |\n", target,
                        f.medianNsPerEvent(), f.minNsPerEvent(), Double.isNaN(r) ? "" : String.format(Locale.ROOT, "%.2fx", r),
                        mib(f.peakRssKib() * 1024), mib(f.rssGrowthKib() * 1024), mib(f.arenaBytesPeak()),
                        mib(f.arenaBytesEnd())));
            }
            md.append('\n');
        }
    }

    /** Bytes as MiB with one decimal; empty for an unknown (negative) figure. */
    static String mib(long bytes) {
        return bytes < 0 ? "" : String.format(Locale.ROOT, "%.1f", bytes / 1048576.0);
    }

    private static void jmhTables(StringBuilder md, List<JmhRow> jmh) {
        md.append("## JMH\n\n");
        Map<String, List<JmhRow>> bySuite = new LinkedHashMap<>();
        for (JmhRow r : jmh) {
            bySuite.computeIfAbsent(r.suite(), k -> new ArrayList<>()).add(r);
        }
        for (Map.Entry<String, List<JmhRow>> e : bySuite.entrySet()) {
            List<JmhRow> rows = e.getValue();
            List<String> columns = new ArrayList<>(rows.stream().map(BenchReport::column)
                    .collect(LinkedHashSet<String>::new, Set::add, Set::addAll));
            if (columns.stream().allMatch(c -> c.chars().allMatch(Character::isDigit))) {
                columns.sort((a, b) -> Integer.compare(Integer.parseInt(a), Integer.parseInt(b)));
            }
            String unit = rows.getFirst().unit();
            md.append("### ").append(e.getKey()).append(" (").append(unit).append(", ± 99.9% interval)\n\n| target |");
            columns.forEach(c -> md.append(' ').append(c.isEmpty() ? unit : c).append(" |"));
            md.append("\n|---|");
            columns.forEach(c -> md.append("---:|"));
            md.append('\n');
            for (String target : jmhTargets(rows)) {
                md.append("| ").append(target).append(" |");
                for (String c : columns) {
                    JmhRow r = rows.stream().filter(x -> x.target().equals(target) && column(x).equals(c)).findFirst()
                            .orElse(null);
                    md.append(' ').append(r == null ? "" : score(r)).append(" |");
                }
                md.append('\n');
            }
            md.append('\n');
        }
    }

    /** The targets of {@code rows}: stacks first, in run order, then the peers in their declared order. */
    private static List<String> jmhTargets(List<JmhRow> rows) {
        List<String> targets = new ArrayList<>(rows.stream().map(JmhRow::target)
                .collect(LinkedHashSet<String>::new, Set::add, Set::addAll));
        List<String> peers = Peer.labels();
        targets.sort(Comparator.comparingInt(peers::indexOf));
        return targets;
    }

    /**
     * How much work two threads do against one, per target: {@code local} is twice the
     * one-thread pair of the same size over the two-thread local score, {@code cross} twice
     * the {@code solo} score over the {@code cross} one.
     */
    private static void twoThreadScaling(StringBuilder md, List<JmhRow> jmh) {
        List<String> lines = new ArrayList<>();
        for (String target : jmhTargets(jmh.stream().filter(r -> r.suite().equals("TwoThread")).toList())) {
            String local = "";
            String cross = "";
            JmhRow l = find(jmh, "TwoThread", target, "local");
            JmhRow one = l == null ? null : jmh.stream().filter(r -> r.suite().equals("Pair") && r.target().equals(target)
                    && r.size().equals(l.size())).findFirst().orElse(null);
            if (one != null) {
                local = String.format(Locale.ROOT, "%.2fx", 2 * one.score() / l.score());
            }
            JmhRow c = find(jmh, "TwoThread", target, "cross");
            JmhRow solo = find(jmh, "TwoThread", target, "solo");
            if (c != null && solo != null) {
                cross = String.format(Locale.ROOT, "%.2fx", 2 * solo.score() / c.score());
            }
            if (!local.isEmpty() || !cross.isEmpty()) {
                lines.add("| " + target + " | " + local + " | " + cross + " |\n");
            }
        }
        if (!lines.isEmpty()) {
            md.append("### Two threads' work against one thread's\n\n")
                    .append("local: 2 x Pair / local; cross: 2 x solo / cross (the same operation on one thread, no block crossing).\n\n")
                    .append("| target | local | cross |\n|---|---:|---:|\n");
            lines.forEach(md::append);
            md.append('\n');
        }
    }

    private static JmhRow find(List<JmhRow> jmh, String suite, String target, String variant) {
        return jmh.stream().filter(r -> r.suite().equals(suite) && r.target().equals(target) && r.variant().equals(variant))
                .findFirst().orElse(null);
    }

    /** A row's column: its variant, else its size, else empty. */
    private static String column(JmhRow r) {
        return !r.variant().isEmpty() ? (r.size().isEmpty() ? r.variant() : r.variant() + " " + r.size() + " B")
                : r.size();
    }

    static String score(JmhRow r) {
        String s = String.format(Locale.ROOT, "%.1f", r.score());
        return Double.isNaN(r.error()) ? s : s + String.format(Locale.ROOT, " ± %.1f", r.error());
    }

    private static void notes(StringBuilder md, List<ReplayFigures> replay) {
        List<String> notes = new ArrayList<>();
        for (ReplayFigures f : replay) {
            if (!Objects.requireNonNullElse(f.note(), "").isEmpty()) {
                notes.add("- " + f.trace() + ", " + f.target() + ": " + f.note());
            }
        }
        if (!notes.isEmpty()) {
            md.append("## Not run, or to know\n\n");
            notes.stream().distinct().forEach(n -> md.append(n).append('\n'));
            md.append('\n');
        }
    }
}
