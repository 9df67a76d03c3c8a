package io.pymem4j.replay;

import io.pymem4j.api.PyMemAllocatorDomain;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;

import static io.pymem4j.api.PyMemAllocatorDomain.MEM;
import static io.pymem4j.api.PyMemAllocatorDomain.OBJ;
import static io.pymem4j.api.PyMemAllocatorDomain.RAW;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Valid traces: what the cursor streams, what a decoded TraceFile holds, the bundled trace. */
class TraceDecodingTest {

    /**
     * Per domain, ids 10*d+1..10*d+5: malloc 1 (100 B), malloc 2 (200 B), calloc 3 (10 x 30),
     * realloc NULL -> 4 (50 B), realloc 1 -> 5 (400 B), free 2, free 3. Blocks 4 and 5 (450 B)
     * of every domain stay live. Domains run one after the other, so the peak is in OBJ's
     * realloc 1 -> 5: 8 blocks, 900 B from RAW and MEM plus 950 B.
     */
    static TraceWriter threeDomains() {
        TraceWriter w = new TraceWriter();
        for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
            int base = 10 * d.ordinal();
            w.malloc(d, base + 1, 100)
                    .malloc(d, base + 2, 200)
                    .calloc(d, base + 3, 10, 30)
                    .realloc(d, 0, base + 4, 50)
                    .realloc(d, base + 1, base + 5, 400)
                    .free(d, base + 2)
                    .free(d, base + 3);
        }
        return w;
    }

    static TraceFile decode(TraceWriter w) throws IOException {
        return TraceFile.read(new ByteArrayInputStream(w.toGzip()), "generated");
    }

    @Test
    void theWriterComputesTheHeaderFromTheEvents() {
        assertEquals(new TraceHeader(21, 25, 8, 1850), threeDomains().header());
    }

    @Test
    void aGeneratedTraceDecodesToItsHeader() throws IOException {
        TraceFile t = decode(threeDomains());
        assertEquals(new TraceHeader(21, 25, 8, 1850), t.header());
        assertEquals(21, t.eventCount());
        assertEquals("generated", t.name());
    }

    @Test
    void aGeneratedTraceDecodesToItsCountsPerDomainAndOp() throws IOException {
        TraceFile t = decode(threeDomains());
        for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
            assertEquals(2, t.count(d, TraceOp.MALLOC), d + " malloc");
            assertEquals(1, t.count(d, TraceOp.CALLOC), d + " calloc");
            assertEquals(2, t.count(d, TraceOp.REALLOC), d + " realloc");
            assertEquals(2, t.count(d, TraceOp.FREE), d + " free");
            assertEquals(7, t.count(d), d + " events");
        }
        assertEquals(3, t.reallocsFromNull());
    }

    @Test
    void aGeneratedTraceDecodesToTheBlocksLiveAtTheEnd() throws IOException {
        TraceFile t = decode(threeDomains());
        assertEquals(6, t.liveAtEnd());
        assertEquals(2, t.liveAtEnd(RAW));
        assertEquals(2, t.liveAtEnd(MEM));
        assertEquals(2, t.liveAtEnd(OBJ));
        assertEquals(1350, t.liveBytesAtEnd());
        assertArrayEquals(new int[] {4, 5, 14, 15, 24, 25}, t.liveIds());
        assertArrayEquals(new byte[] {0, 0, 1, 1, 2, 2}, t.liveDomains());
    }

    @Test
    void aReallocPacksOldIdTagNewIdAndSize() throws IOException {
        TraceFile t = decode(new TraceWriter().malloc(OBJ, 3, 16).realloc(OBJ, 3, 9, 1000));
        long tag = TraceOp.REALLOC.tag(OBJ);
        assertEquals(9L << 32 | tag << 28 | 3, t.events()[2]);
        assertEquals(1000, t.events()[3]);
    }

    @Test
    void aCallocPacksIdTagElsizeAndNelem() throws IOException {
        TraceFile t = decode(new TraceWriter().calloc(MEM, 5, 7, 24));
        long tag = TraceOp.CALLOC.tag(MEM);
        assertEquals(24L << 32 | tag << 28 | 5, t.events()[0]);
        assertEquals(7, t.events()[1]);
    }

    @Test
    void theCursorStreamsEachEventsFields() throws IOException {
        byte[] gzip = new TraceWriter().calloc(RAW, 2, 3, 8).realloc(RAW, 2, 1, 40).free(RAW, 1).toGzip();
        try (TraceCursor c = TraceCursor.open(new ByteArrayInputStream(gzip))) {
            assertTrue(c.next());
            assertEquals(0, c.index());
            assertEquals(TraceOp.CALLOC, c.op());
            assertEquals(RAW, c.domain());
            assertEquals(2, c.id());
            assertEquals(3, c.nelem());
            assertEquals(8, c.elsize());
            assertEquals(24, c.size());
            assertTrue(c.next());
            assertEquals(TraceOp.REALLOC, c.op());
            assertEquals(2, c.id());
            assertEquals(1, c.newId());
            assertEquals(40, c.size());
            assertTrue(c.next());
            assertEquals(TraceOp.FREE, c.op());
            assertEquals(1, c.id());
            assertEquals(2, c.index());
            assertFalse(c.next());
            assertFalse(c.next());
        }
    }

    @Test
    void anEmptyTraceDecodesToNoEvents() throws IOException {
        TraceFile t = decode(new TraceWriter());
        assertEquals(new TraceHeader(0, 0, 0, 0), t.header());
        assertEquals(0, t.eventCount());
        assertEquals(0, t.liveAtEnd());
    }

    @Test
    void theBundledTraceHasTheEventCountOfTracesMd() throws IOException {
        TraceFile t = TraceFile.bundled();
        assertEquals("compile", t.name());
        assertEquals(new TraceHeader(2_109_326, 78_101, 78_101, 11_699_215), t.header());
        assertEquals(1_953, t.count(RAW));
        assertEquals(1_091_911, t.count(MEM));
        assertEquals(1_015_462, t.count(OBJ));
        assertEquals(471, t.liveAtEnd());
    }

    @Test
    void streamingTheBundledTraceAllocatesLessThanOneByteAnEvent() throws IOException {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().threadId();
        try (TraceCursor c = TraceCursor.open(TraceFile.openBundled())) {
            long before = threads.getThreadAllocatedBytes(thread);
            long events = 0;
            while (c.next()) {
                events++;
            }
            long allocated = threads.getThreadAllocatedBytes(thread) - before;
            assertEquals(2_109_326, events);
            assertTrue(allocated < events, allocated + " bytes allocated for " + events + " events");
        }
    }
}
