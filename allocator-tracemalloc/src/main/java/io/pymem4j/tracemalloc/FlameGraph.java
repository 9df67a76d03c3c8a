package io.pymem4j.tracemalloc;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The bytes of a {@link Snapshot} by traceback, or the change between two snapshots, as an
 * interactive flame graph in one self-contained HTML file: the data, the style sheet and the
 * script are inline, and the page fetches nothing.
 *
 * <h2>The picture</h2>
 * Every traceback is a path from the oldest frame to the allocating one. Paths that share
 * their oldest frames share their boxes, so a box is one frame reached by one call path, as
 * wide as the bytes allocated below it (its own allocations and its callees'). The root
 * box, {@code all}, is at the top and callees hang below their callers (the icicle layout
 * of flame graphs), children widest first. In the page: hovering a box shows its frame,
 * bytes, share and blocks; a click zooms into it (its ancestors stay on top, dimmed; a
 * click on one of them, on {@code all}, or Escape zooms back out); the search box marks
 * every box whose label or file matches a regular expression and says what share of the
 * bytes they hold.
 *
 * <p>The bytes and blocks of a sampled snapshot are its estimates ({@link Snapshot#estimatedSize},
 * {@link Snapshot#estimatedCount}), and the subtitle says so, with the interval.
 *
 * <p>A difference ({@link #ofDiff}) is drawn with the newer snapshot's widths, coloured by
 * change: red for a box whose bytes grew, blue for one that shrank, the deeper the larger
 * the change relative to the largest; call paths whose blocks were all freed have no width
 * and are counted in the header.
 *
 * <h2>The file</h2>
 * Well-formed XML as well as HTML (polyglot markup; the script and style in CDATA
 * sections), so XML tools can read it. The tree is in the element
 * {@code <script type="application/json" id="flamegraph-data">}, as JSON with
 * {@code <}, {@code >} and {@code &} escaped:
 * <pre>
 *   {"title": ..., "subtitle": ..., "diff": false, "root": node}
 *   node: {"name": label, "file": filename, "line": lineno, "class": className or null,
 *          "method": methodName or null, "size": bytes, "count": blocks,
 *          "old_size": bytes, "old_count": blocks     (differences only)
 *          "children": [node...] }                    (widest first)
 * </pre>
 * The root's name is {@code all}, its file and line empty and 0.
 *
 * @since 0.1
 */
public final class FlameGraph {

    /** The id of the element that holds the tree as JSON. */
    public static final String DATA_ELEMENT_ID = "flamegraph-data";

    private static final String TEMPLATE = "flamegraph.html";
    private static final Comparator<Node> WIDEST_FIRST = Comparator.comparingLong((Node n) -> n.size)
            .thenComparingLong(n -> n.oldSize).reversed()
            .thenComparing(n -> n.frame);

    private final Node root;
    private final boolean diff;
    private final String subtitle;
    private String title;

    private FlameGraph(Node root, boolean diff, String title, String subtitle) {
        this.root = root;
        this.diff = diff;
        this.title = title;
        this.subtitle = subtitle;
    }

    /** The flame graph of the bytes of {@code snapshot}'s traces by traceback. */
    public static FlameGraph of(Snapshot snapshot) {
        Objects.requireNonNull(snapshot, "snapshot");
        Node root = new Node(null);
        add(root, snapshot, false);
        String subtitle = estimated(snapshot) + Formats.size(root.size, false) + " in " + grouped(root.count)
                + " blocks from " + tracebacks(snapshot) + " tracebacks, traceback limit " + snapshot.tracebackLimit();
        return new FlameGraph(root, false, "tracemalloc: bytes by traceback", subtitle);
    }

    /**
     * The change from {@code older} to {@code newer} ({@code newer.compareTo(older, "traceback")}
     * as a picture): widths are {@code newer}'s bytes, colours the change.
     */
    public static FlameGraph ofDiff(Snapshot newer, Snapshot older) {
        Objects.requireNonNull(newer, "newer");
        Objects.requireNonNull(older, "older");
        Node root = new Node(null);
        add(root, newer, false);
        add(root, older, true);
        long freed = 0;
        long freedPaths = 0;
        for (StatisticDiff d : newer.compareTo(older, "traceback")) {
            if (d.size() == 0 && d.sizeDiff() < 0) {
                freed -= d.sizeDiff();
                freedPaths++;
            }
        }
        String subtitle = estimated(newer.sampled() ? newer : older) + Formats.size(root.size, false) + " in "
                + grouped(root.count) + " blocks, "
                + Formats.size(root.size - root.oldSize, true) + " and " + Formats.signed(root.count - root.oldCount)
                + " blocks since the older snapshot; " + Formats.size(freed, false) + " from " + freedPaths
                + " tracebacks freed entirely (not drawn)";
        return new FlameGraph(root, true, "tracemalloc: change in bytes by traceback", subtitle);
    }

    /** This flame graph with {@code title} as the page's title and heading. */
    public FlameGraph withTitle(String title) {
        this.title = Objects.requireNonNull(title, "title");
        return this;
    }

    /** The bytes under the root: the snapshot's (the newer one's) total. */
    public long totalSize() {
        return root.size;
    }

    private static void add(Node root, Snapshot snapshot, boolean old) {
        // Traces of one call path share an interned traceback: walk each path once.
        Map<Traceback, double[]> byTraceback = new LinkedHashMap<>();
        for (Trace t : snapshot.traces()) {
            double[] sc = byTraceback.computeIfAbsent(t.traceback(), k -> new double[2]);
            sc[0] += snapshot.estimatedSize(t);
            sc[1] += snapshot.estimatedCount(t);
        }
        byTraceback.forEach((tb, sc) -> {
            long size = (long) sc[0];
            long count = Math.round(sc[1]);
            Node n = root;
            n.add(size, count, old);
            for (Frame f : tb) {
                n = n.child(f);
                n.add(size, count, old);
            }
        });
    }

    /** The subtitle's opening words for a sampled snapshot; empty for an exact one. */
    private static String estimated(Snapshot s) {
        if (!s.sampled()) {
            return "";
        }
        return "estimated from samples every " + Formats.size(s.samplingInterval(), false) + " on average (total "
                + s.sizeEstimate().formatBytes() + ", 95%): ";
    }

    private static int tracebacks(Snapshot s) {
        Map<Traceback, Boolean> seen = new HashMap<>();
        for (Trace t : s.traces()) {
            seen.put(t.traceback(), Boolean.TRUE);
        }
        return seen.size();
    }

    private static String grouped(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** Writes the page to {@code file}, replacing it. */
    public void write(Path file) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            writeTo(w);
        }
    }

    /** Writes the page to {@code out} (not closed). */
    public void writeTo(Writer out) throws IOException {
        String page = template();
        int at = page.indexOf("@DATA@");
        out.write(page.substring(0, at).replace("@TITLE@", xml(title)).replace("@SUBTITLE@", xml(subtitle)));
        writeJson(out);
        out.write(page.substring(at + "@DATA@".length()));
    }

    /** The page as a string. */
    public String toHtml() {
        var w = new java.io.StringWriter();
        try {
            writeTo(w);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    private static String template() throws IOException {
        try (InputStream in = FlameGraph.class.getResourceAsStream(TEMPLATE)) {
            if (in == null) {
                throw new IOException("the flame graph page template " + TEMPLATE + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The tree as the class doc's JSON, iteratively: a traceback may be 65535 frames deep. */
    private void writeJson(Writer out) throws IOException {
        StringBuilder b = new StringBuilder(4096);
        b.append("{\"title\":");
        json(b, title);
        b.append(",\"subtitle\":");
        json(b, subtitle);
        b.append(",\"diff\":").append(diff).append(",\"root\":");
        Deque<Object[]> stack = new ArrayDeque<>();
        open(b, root);
        stack.push(new Object[]{root.sortedChildren(), 0});
        while (!stack.isEmpty()) {
            Object[] top = stack.peek();
            @SuppressWarnings("unchecked")
            List<Node> children = (List<Node>) top[0];
            int i = (Integer) top[1];
            if (i == children.size()) {
                b.append("]}");
                stack.pop();
            } else {
                top[1] = i + 1;
                if (i > 0) {
                    b.append(',');
                }
                Node child = children.get(i);
                open(b, child);
                stack.push(new Object[]{child.sortedChildren(), 0});
            }
            if (b.length() > 1 << 16) {
                out.write(b.toString());
                b.setLength(0);
            }
        }
        b.append('}');
        out.write(b.toString());
    }

    /** A node's fields and the opening of its children array. */
    private void open(StringBuilder b, Node n) {
        Frame f = n.frame;
        b.append("{\"name\":");
        json(b, f == null ? "all" : label(f));
        b.append(",\"file\":");
        json(b, f == null ? "" : f.filename());
        b.append(",\"line\":").append(f == null ? 0 : f.lineno());
        b.append(",\"class\":");
        json(b, f == null ? null : f.className());
        b.append(",\"method\":");
        json(b, f == null ? null : f.methodName());
        b.append(",\"size\":").append(n.size).append(",\"count\":").append(n.count);
        if (diff) {
            b.append(",\"old_size\":").append(n.oldSize).append(",\"old_count\":").append(n.oldCount);
        }
        b.append(",\"children\":[");
    }

    /**
     * A box's label: {@code Class.method (File.java:12)} for a Java frame (the class without
     * its package, the file without its directories), {@code file:line} for a hand-made one.
     */
    static String label(Frame f) {
        if (f.className() == null || f.methodName() == null) {
            return f.toString();
        }
        String cls = f.className().substring(f.className().lastIndexOf('.') + 1);
        String file = f.filename().substring(f.filename().lastIndexOf('/') + 1);
        return cls + "." + f.methodName() + " (" + file + ":" + f.lineno() + ")";
    }

    /** A JSON string with the characters that could end a script element or an XML section escaped. */
    private static void json(StringBuilder b, String s) {
        if (s == null) {
            b.append("null");
            return;
        }
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }

    private static String xml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** One box: a frame reached by one call path, with the bytes and blocks allocated below it. */
    private static final class Node {
        final Frame frame;
        long size;
        long count;
        long oldSize;
        long oldCount;
        private Map<Frame, Node> children;

        Node(Frame frame) {
            this.frame = frame;
        }

        void add(long bytes, long blocks, boolean old) {
            if (old) {
                oldSize += bytes;
                oldCount += blocks;
            } else {
                size += bytes;
                count += blocks;
            }
        }

        Node child(Frame f) {
            if (children == null) {
                children = new HashMap<>();
            }
            return children.computeIfAbsent(f, Node::new);
        }

        List<Node> sortedChildren() {
            if (children == null) {
                return List.of();
            }
            List<Node> list = new ArrayList<>(children.values());
            list.sort(WIDEST_FIRST);
            return list;
        }
    }
}
