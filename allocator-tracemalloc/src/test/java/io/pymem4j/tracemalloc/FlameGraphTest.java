package io.pymem4j.tracemalloc;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pymem4j.runtime.PyMemRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static io.pymem4j.tracemalloc.SyntheticSnapshots.f;
import static io.pymem4j.tracemalloc.SyntheticSnapshots.snapshot1;
import static io.pymem4j.tracemalloc.SyntheticSnapshots.snapshot2;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The flame graph page: well-formed, self-contained, and carrying every traceback's frames and bytes. */
class FlameGraphTest {

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(1_000_000).build())
            .build());

    private static Document parseXml(String page) throws Exception {
        var factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", false);
        factory.setExpandEntityReferences(false);
        return factory.newDocumentBuilder().parse(new ByteArrayInputStream(page.getBytes(StandardCharsets.UTF_8)));
    }

    /** The tree the page carries, read from its data element. */
    private static JsonNode data(String page) throws Exception {
        Document doc = parseXml(page);
        NodeList scripts = doc.getElementsByTagName("script");
        for (int i = 0; i < scripts.getLength(); i++) {
            Element s = (Element) scripts.item(i);
            if (FlameGraph.DATA_ELEMENT_ID.equals(s.getAttribute("id"))) {
                return JSON.readTree(s.getTextContent());
            }
        }
        throw new AssertionError("no data element in the page");
    }

    /** Every box as {@code path;to;frame size count} (plus {@code old_size old_count} in a diff), in page order. */
    private static List<String> folded(JsonNode root) {
        List<String> lines = new ArrayList<>();
        fold(root, "", lines);
        return lines;
    }

    private static void fold(JsonNode n, String prefix, List<String> out) {
        String path = prefix.isEmpty() ? n.get("name").asText() : prefix + ";" + n.get("name").asText();
        out.add(path + " " + n.get("size").asLong() + " " + n.get("count").asLong()
                + (n.has("old_size") ? " " + n.get("old_size").asLong() + " " + n.get("old_count").asLong() : ""));
        for (JsonNode c : n.get("children")) {
            fold(c, path, out);
        }
    }

    @Test
    void thePageIsWellFormedXml() throws Exception {
        Document doc = parseXml(FlameGraph.of(snapshot1()).toHtml());
        assertEquals("html", doc.getDocumentElement().getTagName());
    }

    @Test
    void eachTracebacksFramesCarryTheirByteTotalsWidestFirst() throws Exception {
        JsonNode root = data(FlameGraph.of(snapshot1()).toHtml()).get("root");
        assertEquals(List.of(
                "all 105 6",
                "all;b.py:1 66 1",
                "all;b.py:4 32 4",
                "all;b.py:4;a.py:2 30 3",
                "all;b.py:4;a.py:5 2 1",
                "all;<unknown>:0 7 1"), folded(root));
    }

    @Test
    void javaFramesAreLabelledWithClassMethodAndFileAndKeepTheirFields() throws Exception {
        Frame frame = new Frame("io/pymem4j/x/Cache.java", 42, "io.pymem4j.x.Cache", "grow");
        Snapshot s = new Snapshot(List.of(new Trace(1, 64, Traceback.of(frame))), 1);
        JsonNode box = data(FlameGraph.of(s).toHtml()).get("root").get("children").get(0);
        assertEquals("Cache.grow (Cache.java:42)", box.get("name").asText());
        assertEquals("io/pymem4j/x/Cache.java", box.get("file").asText());
        assertEquals(42, box.get("line").asInt());
        assertEquals("io.pymem4j.x.Cache", box.get("class").asText());
        assertEquals("grow", box.get("method").asText());
        assertEquals(64, box.get("size").asLong());
    }

    @Test
    void theHeaderStatesTotalBlocksTracebacksAndLimit() throws Exception {
        JsonNode d = data(FlameGraph.of(snapshot1()).toHtml());
        assertEquals("105 B in 6 blocks from 4 tracebacks, traceback limit 2", d.get("subtitle").asText());
        assertFalse(d.get("diff").asBoolean());
    }

    @Test
    void aDiffCarriesNewAndOldBytesOfEveryBoxAndCountsFreedPaths() throws Exception {
        JsonNode d = data(FlameGraph.ofDiff(snapshot2(), snapshot1()).toHtml());
        assertTrue(d.get("diff").asBoolean());
        assertEquals(List.of(
                "all 5432 6 105 6",
                "all;b.py:4 5032 5 32 4",
                "all;b.py:4;a.py:5 5002 2 2 1",
                "all;b.py:4;a.py:2 30 3 30 3",
                "all;c.py:578 400 1 0 0",
                "all;b.py:1 0 0 66 1",
                "all;<unknown>:0 0 0 7 1"), folded(d.get("root")));
        assertEquals("5432 B in 6 blocks, +5327 B and +0 blocks since the older snapshot; 73 B from 2 tracebacks"
                + " freed entirely (not drawn)", d.get("subtitle").asText());
    }

    @Test
    void thePageFetchesNothing() throws Exception {
        String page = FlameGraph.of(snapshot1()).toHtml();
        Document doc = parseXml(page);
        NodeList all = doc.getElementsByTagName("*");
        for (int i = 0; i < all.getLength(); i++) {
            Element e = (Element) all.item(i);
            assertFalse(e.hasAttribute("src") || e.hasAttribute("href"), e.getTagName() + " refers to another file");
            assertFalse(e.getTagName().equals("link") || e.getTagName().equals("iframe"), e.getTagName());
        }
        for (String fetch : List.of("http:", "https:", "url(", "@import", "fetch(", "XMLHttpRequest", "import(")) {
            assertFalse(page.contains(fetch), fetch);
        }
    }

    @Test
    void markupInFileNamesAndTitlesCannotBreakThePage() throws Exception {
        String hostile = "</script><b>&amp;]]>\u2028x.py";
        Snapshot s = new Snapshot(List.of(new Trace(0, 9, Traceback.of(f(hostile, 3)))), 1);
        String page = FlameGraph.of(s).withTitle("a <title> & \"more\"").toHtml();
        Document doc = parseXml(page);
        assertEquals("a <title> & \"more\"", doc.getElementsByTagName("title").item(0).getTextContent());
        JsonNode box = data(page).get("root").get("children").get(0);
        assertEquals(hostile, box.get("file").asText());
        assertEquals(hostile + ":3", box.get("name").asText());
    }

    @Test
    void aTracebackOfTheLargestLimitIsWrittenWithoutRecursion() throws Exception {
        List<Frame> frames = new ArrayList<>();
        for (int i = 0; i < Tracemalloc.MAX_NFRAME; i++) {
            frames.add(f("deep.py", i + 1));
        }
        Collections.reverse(frames); // most recent first: line 65535 allocated
        Snapshot s = new Snapshot(List.of(new Trace(0, 5, Traceback.of(frames))), Tracemalloc.MAX_NFRAME);
        JsonNode n = data(FlameGraph.of(s).toHtml()).get("root");
        int depth = 0;
        while (!n.get("children").isEmpty()) {
            n = n.get("children").get(0);
            depth++;
            assertEquals(5, n.get("size").asLong());
        }
        assertEquals(Tracemalloc.MAX_NFRAME, depth);
        assertEquals("deep.py:65535", n.get("name").asText());
    }

    @Test
    void aLiveSnapshotIsWrittenToAFileWithTheAllocatingMethodsBox(@TempDir Path dir) throws Exception {
        PyMemRuntime rt = PyMemRuntime.create("malloc+tracemalloc");
        Tracemalloc tm = Tracemalloc.of(rt);
        tm.start(3);
        long p = allocate(rt);
        Path file = dir.resolve("snapshot.html");
        tm.takeSnapshot().writeFlameGraph(file);
        rt.memFree(p);
        tm.stop();
        List<String> boxes = folded(data(Files.readString(file)).get("root"));
        assertTrue(boxes.stream().anyMatch(b -> b.matches(
                "all;.*;FlameGraphTest\\.aLiveSnapshotIsWrittenToAFileWithTheAllocatingMethodsBox \\(FlameGraphTest\\.java:\\d+\\);"
                        + "FlameGraphTest\\.allocate \\(FlameGraphTest\\.java:\\d+\\) 1234 1")), boxes.toString());
    }

    private static long allocate(PyMemRuntime rt) {
        return rt.memMalloc(1234);
    }
}
