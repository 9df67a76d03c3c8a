package io.pymem4j.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Reading JMH's JSON result format into report rows. */
class JmhRowTest {

    @TempDir
    Path dir;

    @Test
    void stackAndPeerBenchmarksBecomeRowsNamedForTheirTarget() throws IOException {
        Path json = dir.resolve("jmh.json");
        Files.writeString(json, """
                [ {
                    "jmhVersion" : "1.37",
                    "benchmark" : "io.pymem4j.bench.PairBenchmark.stack",
                    "mode" : "avgt",
                    "params" : { "size" : "64", "stack" : "pymalloc:gil" },
                    "primaryMetric" : { "score" : 9.25, "scoreError" : 0.5, "scoreUnit" : "ns/op" }
                  }, {
                    "benchmark" : "io.pymem4j.bench.TwoThreadBenchmark.ffmMimallocCross",
                    "params" : { "size" : "64" },
                    "primaryMetric" : { "score" : 30.0, "scoreError" : "NaN", "scoreUnit" : "ns/op" }
                  }, {
                    "benchmark" : "io.pymem4j.bench.MixedBenchmark.nettyPooled",
                    "primaryMetric" : { "score" : 80.5, "scoreError" : 4.0, "scoreUnit" : "ns/op" }
                  } ]
                """);
        List<JmhRow> rows = JmhRow.read(json);
        assertEquals(new JmhRow("Pair", "pymalloc:gil", "", "64", 9.25, 0.5, "ns/op"), rows.get(0));
        assertEquals("ffm-mimalloc", rows.get(1).target());
        assertEquals("cross", rows.get(1).variant());
        assertEquals(Double.NaN, rows.get(1).error());
        assertEquals(new JmhRow("Mixed", "netty-pooled", "", "", 80.5, 4.0, "ns/op"), rows.get(2));
    }
}
