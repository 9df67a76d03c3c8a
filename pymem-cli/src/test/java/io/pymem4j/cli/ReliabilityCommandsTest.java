package io.pymem4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.pymem4j.cli.CliRun.pymem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code pymem stress}, run in-process for one short round, and the fault-injection layer in {@code pymem list}. */
class ReliabilityCommandsTest {

    @Test
    void listShowsTheFailingLayerAsAHook() {
        CliRun r = pymem("list");
        assertTrue(r.out().lines().anyMatch(l -> l.matches("  failing +hook +\\S+ +available +makes chosen allocations return NULL .*")),
                r.out());
    }

    @Test
    void oneRoundReportsTheBlocksAndBytesItChecked() {
        CliRun r = pymem("stress", "--threads", "2", "--rounds", "1", "--allocator", "pymalloc_debug");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("allocator +pymalloc_debug")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("threads +2 a round, new threads each round")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("blocks checked +[1-9][0-9,]*")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("bytes checked +[1-9][0-9,]* \\([0-9.]+ GiB\\)")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("frees +[0-9,]+, [0-9,]+ by another thread than the allocating one")),
                r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("result +OK")), r.out());
    }

    @Test
    void jsonPrintsOneObjectWithTheFigures() throws Exception {
        CliRun r = pymem("stress", "--threads", "2", "--rounds", "1", "--allocator", "malloc", "--gil", "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode o = new ObjectMapper().readTree(r.out());
        for (String key : List.of("allocator", "gil", "seed", "threads", "rounds", "seconds", "allocations", "callocs",
                "reallocs", "frees", "cross_thread_frees", "transfers", "blocks_checked", "bytes_checked", "leaks", "ok")) {
            assertTrue(o.has(key), key + " in " + r.out());
        }
        assertEquals("malloc", o.get("allocator").asText());
        assertTrue(o.get("gil").asBoolean());
        assertEquals(1, o.get("rounds").asLong());
        assertTrue(o.get("ok").asBoolean());
        assertTrue(o.get("blocks_checked").asLong() > 0);
    }

    @Test
    void zeroThreadsIsAUsageError() {
        CliRun r = pymem("stress", "--threads", "0", "--rounds", "1");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--threads must be 1 or more, not 0"), r.err());
    }

    @Test
    void anUnknownAllocatorIsNamedInOneLine() {
        CliRun r = pymem("stress", "--rounds", "1", "--allocator", "nosuch");
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("pymem: unknown allocator 'nosuch'"), r.err());
    }
}
