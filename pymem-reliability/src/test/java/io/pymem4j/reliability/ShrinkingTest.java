package io.pymem4j.reliability;

import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/** What shrinking makes of a failure the model catches: the smallest program that shows it. */
class ShrinkingTest {

    @Test
    void aLossyReallocIsShrunkToOneAllocationAndOneGrowingRealloc() {
        LossyReallocProgram.shortestFailing = null;
        // The expected failure's report goes to the platform's listeners, not to the build's output;
        // the test kit reads no junit-platform.properties, so the database is placed here too.
        EngineTestKit.engine("jqwik").configurationParameter("jqwik.reporting.usejunitplatform", "true")
                .configurationParameter("jqwik.database", "target/jqwik-database")
                .selectors(selectClass(LossyReallocProgram.class)).execute()
                .testEvents().assertStatistics(stats -> stats.started(1).failed(1));
        List<Op> minimal = LossyReallocProgram.shortestFailing;
        assertEquals(2, minimal.size(), minimal.toString());
        Op make = minimal.get(0);
        Op grow = minimal.get(1);
        long made = make.kind() == Op.Kind.CALLOC ? (long) make.size() * make.elsize() : make.size();
        assertTrue(make.kind() != Op.Kind.FREE && made > 8, "the first step makes a block with a byte 8: " + minimal);
        assertEquals(Op.Kind.REALLOC, grow.kind(), minimal.toString());
        assertTrue(grow.size() > 64, "the realloc goes past 64 bytes: " + minimal);
    }
}
