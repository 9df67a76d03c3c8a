package io.pymem4j.bench;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The charts of {@code pymem bench}, drawn with XChart into PNG files, headless: the trace
 * replay (ns per event, a bar per target and trace) and the JMH pair suite (ns per
 * malloc+free pair, a bar per target and size). Both on a log scale: tracemalloc's and the
 * arenas' costs are two orders of magnitude above the rest.
 */
final class BenchChart {

    private static final int WIDTH = 1400;
    private static final int HEIGHT = 800;
    /** Twenty distinct colours (Tableau 20, strong and light alternating), so no two series share one. */
    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd),
        new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf),
        new Color(0xaec7e8), new Color(0xffbb78), new Color(0x98df8a), new Color(0xff9896), new Color(0xc5b0d5),
        new Color(0xc49c94), new Color(0xf7b6d2), new Color(0xc7c7c7), new Color(0xdbdb8d), new Color(0x9edae5),
    };

    private BenchChart() {
    }

    /** Writes the replay chart of the measured figures to {@code png}. */
    static void replay(Path png, List<ReplayFigures> figures) throws IOException {
        List<String> traces = new ArrayList<>();
        Map<String, Map<String, Double>> series = new LinkedHashMap<>();
        for (ReplayFigures.Kind k : List.of(ReplayFigures.Kind.C, ReplayFigures.Kind.STACK, ReplayFigures.Kind.PEER)) {
            for (ReplayFigures f : figures) {
                if (f.kind() == k && f.measured()) {
                    if (!traces.contains(f.trace())) {
                        traces.add(f.trace());
                    }
                    series.computeIfAbsent(f.target(), t -> new LinkedHashMap<>()).put(f.trace(), f.medianNsPerEvent());
                }
            }
        }
        draw(png, "Trace replay: median ns per event (log scale, lower is better)", "trace", "ns per event", traces, series);
    }

    /** Writes the pair-suite chart to {@code png}; false (and no file) when there are no pair results. */
    static boolean pairs(Path png, List<JmhRow> rows) throws IOException {
        Set<String> sizes = new LinkedHashSet<>();
        Map<String, Map<String, Double>> series = new LinkedHashMap<>();
        for (JmhRow r : rows) {
            if (r.suite().equals("Pair")) {
                sizes.add(r.size() + " B");
                series.computeIfAbsent(r.target(), t -> new LinkedHashMap<>()).put(r.size() + " B", r.score());
            }
        }
        if (series.isEmpty()) {
            return false;
        }
        // Stacks first, then the peers in their declared order, as in the report's table.
        List<String> peers = Peer.labels();
        Map<String, Map<String, Double>> ordered = new LinkedHashMap<>();
        series.keySet().stream().sorted(java.util.Comparator.comparingInt(peers::indexOf))
                .forEach(k -> ordered.put(k, series.get(k)));
        List<String> x = new ArrayList<>(sizes);
        x.sort((a, b) -> Integer.compare(Integer.parseInt(a.split(" ")[0]), Integer.parseInt(b.split(" ")[0])));
        draw(png, "JMH: one malloc + touch + free, ns (log scale, lower is better)", "block size", "ns per pair", x,
                ordered);
        return true;
    }

    private static void draw(Path png, String title, String xTitle, String yTitle, List<String> x,
                             Map<String, Map<String, Double>> series) throws IOException {
        System.setProperty("java.awt.headless", "true");
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle)
                .yAxisTitle(yTitle).build();
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setOverlapped(false);
        chart.getStyler().setYAxisDecimalPattern("#,##0.#");
        double min = Double.MAX_VALUE;
        for (Map.Entry<String, Map<String, Double>> s : series.entrySet()) {
            // Every series names every category, null where it has no figure, so the bars line up.
            List<Double> ys = new ArrayList<>();
            for (String c : x) {
                Double v = s.getValue().get(c);
                ys.add(v != null && v > 0 ? v : null);
                if (v != null && v > 0) {
                    min = Math.min(min, v);
                }
            }
            if (ys.stream().anyMatch(java.util.Objects::nonNull)) {
                chart.addSeries(s.getKey(), x, ys).setFillColor(PALETTE[chart.getSeriesMap().size() % PALETTE.length]);
            }
        }
        // XChart's log axis draws bars from the axis minimum, which must be above 0.
        chart.getStyler().setYAxisMin(min == Double.MAX_VALUE ? 1 : Math.pow(10, Math.floor(Math.log10(min / 2))));
        String file = png.toString();
        BitmapEncoder.saveBitmap(chart, file.endsWith(".png") ? file.substring(0, file.length() - 4) : file,
                BitmapEncoder.BitmapFormat.PNG);
    }
}
