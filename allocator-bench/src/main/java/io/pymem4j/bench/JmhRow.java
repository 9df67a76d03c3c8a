package io.pymem4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One JMH result as the report shows it, read from JMH's JSON.
 *
 * @param suite   the benchmark class's simple name without {@code Benchmark} ({@code Pair})
 * @param target  the stack label (the {@code stack} parameter) or the peer label
 * @param variant {@code local}, {@code cross} or {@code solo} in the two-thread suite, else empty
 * @param size    the {@code size} parameter, or empty
 * @param score   JMH's primary score
 * @param error   its 99.9% confidence half-width (NaN when JMH has too few samples)
 * @param unit    the score's unit ({@code ns/op})
 */
record JmhRow(String suite, String target, String variant, String size, double score, double error, String unit) {

    /** The rows of a JMH JSON result file, in its order. */
    static List<JmhRow> read(Path json) throws IOException {
        List<JmhRow> rows = new ArrayList<>();
        for (JsonNode b : new ObjectMapper().readTree(json.toFile())) {
            String benchmark = b.path("benchmark").asText();
            String[] parts = benchmark.split("\\.");
            String suite = parts[parts.length - 2].replaceFirst("Benchmark$", "");
            String method = parts[parts.length - 1];
            String variant = "";
            for (String v : JmhSuite.VARIANTS) {
                if (method.endsWith(v)) {
                    variant = v.toLowerCase(java.util.Locale.ROOT);
                    method = method.substring(0, method.length() - v.length());
                }
            }
            JsonNode params = b.path("params");
            String target = method.equals("stack") ? params.path("stack").asText() : peerLabel(method);
            JsonNode metric = b.path("primaryMetric");
            rows.add(new JmhRow(suite, target, variant, params.path("size").asText(""), metric.path("score").asDouble(),
                    metric.path("scoreError").asDouble(Double.NaN), metric.path("scoreUnit").asText()));
        }
        return rows;
    }

    private static String peerLabel(String method) {
        for (Peer p : Peer.values()) {
            if (p.method().equals(method)) {
                return p.label();
            }
        }
        return method;
    }
}
