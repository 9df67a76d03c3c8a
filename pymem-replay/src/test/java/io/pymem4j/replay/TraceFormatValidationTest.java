package io.pymem4j.replay;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;

import static io.pymem4j.api.PyMemAllocatorDomain.MEM;
import static io.pymem4j.api.PyMemAllocatorDomain.OBJ;
import static io.pymem4j.api.PyMemAllocatorDomain.RAW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Every way a .pymt stream can break a rule of FORMAT.md, and the message that says so. */
class TraceFormatValidationTest {

    private static final int MEM_MALLOC = 0x01;
    private static final int OBJ_FREE = 0x0e;

    private static String errorOf(byte[] gzip) {
        return assertThrows(TraceFormatException.class,
                () -> TraceFile.read(new ByteArrayInputStream(gzip), "test")).getMessage();
    }

    private static String errorOfContent(byte[] content) {
        return errorOf(TraceWriter.gzip(content));
    }

    private static byte[] append(byte[] content, int... extra) {
        byte[] out = Arrays.copyOf(content, content.length + extra.length);
        for (int i = 0; i < extra.length; i++) {
            out[content.length + i] = (byte) extra[i];
        }
        return out;
    }

    // ------------------------------------------------------------ stream and header

    @Test
    void aFileThatIsNotGzipIsRejected() {
        assertEquals("not a gzip stream (Not in GZIP format)", errorOf("PYMT, but plain".getBytes()));
    }

    @Test
    void aGzipStreamCutShortIsRejected() {
        byte[] gzip = new TraceWriter().malloc(MEM, 1, 8).toGzip();
        assertEquals("header: the gzip stream is corrupt or cut short (Unexpected end of ZLIB input stream)",
                errorOf(Arrays.copyOf(gzip, 12)));
    }

    @Test
    void badMagicIsRejected() {
        assertEquals("bad magic 50 59 4d 58, expected 50 59 4d 54 (\"PYMT\"): not a .pymt trace",
                errorOfContent(new PymtBytes().ascii("PYMX").bytes(1, 0, 0, 0, 0).raw()));
    }

    @Test
    void anUnknownVersionIsRejected() {
        assertEquals("unsupported version 2; this reader knows version 1",
                errorOfContent(new PymtBytes().ascii("PYMT").bytes(2, 0, 0, 0, 0).raw()));
    }

    @Test
    void aStreamEndingInsideTheHeaderIsTruncated() {
        assertEquals("truncated header: the stream ends inside max_id",
                errorOfContent(new PymtBytes().ascii("PYMT").bytes(1).uvarint(5).raw()));
    }

    @Test
    void aStreamEndingInsideTheMagicIsTruncated() {
        assertEquals("truncated header: the stream ends inside magic", errorOfContent(new PymtBytes().ascii("PY").raw()));
    }

    @Test
    void aHeaderUvarintThatOverflowsIsRejected() {
        byte[] content = new PymtBytes().ascii("PYMT").bytes(1).uvarint(1)
                .bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02).bytes(0, 0).raw();
        assertEquals("header: max_id is a uvarint that overflows 64 bits", errorOfContent(content));
    }

    @Test
    void aHeaderMaxIdBeyondTwentyEightBitsIsRejected() {
        assertEquals("header: max_id 268435456 is larger than 268435455, the largest block id this reader supports"
                        + " (ids are packed into 28 bits)",
                errorOfContent(PymtBytes.header(1L << 30, 1L << 28, 1, 0).raw()));
    }

    @Test
    void aHeaderMaxIdThatDisagreesWithTheEventsIsRejected() {
        TraceWriter w = new TraceWriter().malloc(MEM, 1, 8).malloc(MEM, 2, 8);
        TraceHeader h = w.header();
        assertEquals("header: max_id 3, but the largest block id the events use is 2",
                errorOfContent(w.encode(new TraceHeader(h.eventCount(), 3, h.peakLiveBlocks(), h.peakLiveBytes()))));
    }

    @Test
    void aHeaderPeakLiveBlocksThatDisagreesWithTheEventsIsRejected() {
        TraceWriter w = new TraceWriter().malloc(MEM, 1, 8).free(MEM, 1).malloc(MEM, 2, 8);
        TraceHeader h = w.header();
        assertEquals("header: peak_live_blocks 2, but the events reach 1",
                errorOfContent(w.encode(new TraceHeader(h.eventCount(), h.maxId(), 2, h.peakLiveBytes()))));
    }

    @Test
    void aHeaderPeakLiveBytesThatDisagreesWithTheEventsIsRejected() {
        TraceWriter w = new TraceWriter().malloc(MEM, 1, 8).malloc(OBJ, 2, 24);
        TraceHeader h = w.header();
        assertEquals("header: peak_live_bytes 33, but the events reach 32",
                errorOfContent(w.encode(new TraceHeader(h.eventCount(), h.maxId(), h.peakLiveBlocks(), 33))));
    }

    @Test
    void aTraceWithMoreEventsThanADecodedTraceHoldsDoesNotDecode() {
        assertEquals("header: event_count 1073741820 is more than a decoded trace holds (1073741819);"
                        + " stream it with a TraceCursor",
                errorOfContent(PymtBytes.header(TraceFile.MAX_EVENTS + 1L, 0, 0, 0).raw()));
    }

    // ------------------------------------------------------------ event structure

    @Test
    void aStreamEndingInsideAnEventIsTruncated() {
        assertEquals("event 0: truncated: the stream ends inside the malloc event's size",
                errorOfContent(PymtBytes.header(1, 1, 1, 8).bytes(MEM_MALLOC).uvarint(1).raw()));
    }

    @Test
    void fewerEventsThanTheCountAreTruncated() {
        TraceWriter w = new TraceWriter().malloc(MEM, 1, 8).free(MEM, 1);
        TraceHeader h = w.header();
        assertEquals("event 2: truncated: the stream ends after 2 of 3 events",
                errorOfContent(w.encode(new TraceHeader(3, h.maxId(), h.peakLiveBlocks(), h.peakLiveBytes()))));
    }

    @Test
    void bytesAfterTheLastEventAreRejected() {
        byte[] content = new TraceWriter().malloc(MEM, 1, 8).free(MEM, 1).encode();
        assertEquals("event 2: 2 trailing bytes after the last event (the header says 2 events)",
                errorOfContent(append(content, 0x01, 0x01)));
    }

    @Test
    void reservedTagBitsAreRejected() {
        assertEquals("event 0: reserved tag bits 4-7 set (tag 0x11)",
                errorOfContent(PymtBytes.header(1, 1, 1, 8).bytes(0x11).uvarint(1).uvarint(8).raw()));
    }

    @Test
    void domainThreeIsRejected() {
        assertEquals("event 0: reserved domain 3 (tag 0x03)",
                errorOfContent(PymtBytes.header(1, 1, 1, 8).bytes(0x03).uvarint(1).uvarint(8).raw()));
    }

    @Test
    void aUvarintLongerThanTenBytesIsRejected() {
        byte[] content = PymtBytes.header(1, 1, 1, 8).bytes(MEM_MALLOC).uvarint(1)
                .bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00).raw();
        assertEquals("event 0: size is a uvarint longer than 10 bytes", errorOfContent(content));
    }

    @Test
    void aUvarintLongerThanTenBytesIsRejectedWithMoreDataBehindIt() {
        byte[] content = PymtBytes.header(2, 1, 1, 8).bytes(MEM_MALLOC).uvarint(1)
                .bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00)
                .bytes(MEM_MALLOC, 1, 8, MEM_MALLOC, 1, 8, MEM_MALLOC, 1, 8, MEM_MALLOC, 1, 8).raw();
        assertEquals("event 0: size is a uvarint longer than 10 bytes", errorOfContent(content));
    }

    @Test
    void aUvarintThatOverflowsSixtyFourBitsIsRejected() {
        byte[] content = PymtBytes.header(1, 1, 1, 8).bytes(MEM_MALLOC).uvarint(1)
                .bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02).raw();
        assertEquals("event 0: size is a uvarint that overflows 64 bits", errorOfContent(content));
    }

    @Test
    void aUvarintThatOverflowsSixtyFourBitsIsRejectedWithMoreDataBehindIt() {
        byte[] content = PymtBytes.header(2, 1, 1, 8).bytes(MEM_MALLOC).uvarint(1)
                .bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02)
                .bytes(MEM_MALLOC, 1, 8, MEM_MALLOC, 1, 8, MEM_MALLOC, 1, 8, MEM_MALLOC, 1, 8).raw();
        assertEquals("event 0: size is a uvarint that overflows 64 bits", errorOfContent(content));
    }

    @Test
    void aSizeAbovePySsizeTMaxIsRejected() {
        byte[] content = PymtBytes.header(1, 1, 1, 8).bytes(MEM_MALLOC).uvarint(1).uvarint(-1L).raw();
        assertEquals("event 0: malloc size 18446744073709551615 is larger than PY_SSIZE_T_MAX", errorOfContent(content));
    }

    @Test
    void aCallocWhoseProductOverflowsIsRejected() {
        byte[] content = new TraceWriter().calloc(RAW, 1, 1L << 62, 4).encode();
        assertEquals("event 0: calloc(4611686018427387904, 4) overflows PY_SSIZE_T_MAX", errorOfContent(content));
    }

    // ------------------------------------------------------------ block ids

    @Test
    void definingBlockZeroIsRejected() {
        assertEquals("event 0: malloc in MEM defines block 0, which is NULL",
                errorOfContent(new TraceWriter().malloc(MEM, 0, 8).encode()));
    }

    @Test
    void definingABlockBeyondTheHeadersMaxIdIsRejected() {
        byte[] content = PymtBytes.header(1, 1, 1, 8).bytes(MEM_MALLOC).uvarint(5).uvarint(8).raw();
        assertEquals("event 0: malloc in MEM defines block 5, beyond the header's max_id 1", errorOfContent(content));
    }

    /** Found by coverage-guided fuzzing: before the rule, this 22-byte content sized the reader's tables to 2.25 GB. */
    @Test
    void definingAnIdFarBeyondTheDefinesBeforeItIsRejected() {
        byte[] content = PymtBytes.header(1, TraceCursor.MAX_ID, 1, 8).bytes(MEM_MALLOC).uvarint(TraceCursor.MAX_ID)
                .uvarint(8).raw();
        assertEquals("event 0: malloc in MEM defines block 268435455 after only 0 defines: block ids are dense (a new id"
                + " is at most 4096 + twice the defines before it)", errorOfContent(content));
    }

    @Test
    void aNewIdAtTheDensityBoundIsAccepted() throws IOException {
        TraceFile t = TraceFile.read(new ByteArrayInputStream(TraceWriter.gzip(
                new TraceWriter().malloc(MEM, 1, 8).malloc(OBJ, 4096 + 2, 8).free(MEM, 1).encode())), "test");
        assertEquals(3, t.eventCount());
    }

    @Test
    void freeingABlockNeverAllocatedIsRejected() {
        byte[] content = PymtBytes.header(1, 1, 0, 0).bytes(OBJ_FREE).uvarint(1).raw();
        assertEquals("event 0: free of block 1 in OBJ, but it was never allocated", errorOfContent(content));
    }

    @Test
    void reallocatingABlockNeverAllocatedIsRejected() {
        byte[] content = new TraceWriter().malloc(OBJ, 1, 8).realloc(OBJ, 2, 3, 16).encode();
        assertEquals("event 1: realloc of block 2 in OBJ, but it was never allocated", errorOfContent(content));
    }

    @Test
    void freeingABlockTwiceIsRejected() {
        byte[] content = new TraceWriter().malloc(MEM, 1, 8).free(MEM, 1).free(MEM, 1).encode();
        assertEquals("event 2: free of block 1 in MEM, but it was already freed", errorOfContent(content));
    }

    @Test
    void reallocatingAFreedBlockIsRejected() {
        byte[] content = new TraceWriter().malloc(MEM, 1, 8).free(MEM, 1).realloc(MEM, 1, 1, 32).encode();
        assertEquals("event 2: realloc of block 1 in MEM, but it was already freed", errorOfContent(content));
    }

    @Test
    void freeingNullIsRejected() {
        byte[] content = PymtBytes.header(1, 0, 0, 0).bytes(0x0d).uvarint(0).raw();
        assertEquals("event 0: free of block 0 (NULL) in MEM; a free of NULL is never recorded", errorOfContent(content));
    }

    @Test
    void redefiningALiveBlockIsRejected() {
        byte[] content = new TraceWriter().malloc(MEM, 1, 8).malloc(OBJ, 1, 8).encode();
        assertEquals("event 1: malloc in OBJ defines block 1, which is still live (allocated in MEM)",
                errorOfContent(content));
    }

    @Test
    void reallocatingIntoALiveBlockIsRejected() {
        byte[] content = new TraceWriter().malloc(RAW, 1, 8).malloc(RAW, 2, 8).realloc(RAW, 1, 2, 64).encode();
        assertEquals("event 2: realloc in RAW defines block 2, which is still live (allocated in RAW)",
                errorOfContent(content));
    }

    @Test
    void freeingABlockInAnotherDomainIsRejected() {
        byte[] content = new TraceWriter().malloc(OBJ, 7, 64).free(MEM, 7).encode();
        assertEquals("event 1: free of block 7 in MEM, but it was allocated in OBJ", errorOfContent(content));
    }

    @Test
    void reallocatingABlockInAnotherDomainIsRejected() {
        byte[] content = new TraceWriter().malloc(RAW, 1, 64).realloc(OBJ, 1, 1, 128).encode();
        assertEquals("event 1: realloc of block 1 in OBJ, but it was allocated in RAW", errorOfContent(content));
    }

    // ------------------------------------------------------------ limits of the decoded form

    @Test
    void aCallocElsizeBeyondThirtyTwoBitsDoesNotDecode() {
        byte[] content = new TraceWriter().calloc(OBJ, 1, 1, 1L << 32).encode();
        assertEquals("event 0: calloc elsize 4294967296 does not fit the 32 bits of a decoded event",
                errorOfContent(content));
    }

    @Test
    void aCallocElsizeBeyondThirtyTwoBitsStreams() throws Exception {
        byte[] gzip = new TraceWriter().calloc(OBJ, 1, 1, 1L << 32).toGzip();
        try (TraceCursor c = TraceCursor.open(new ByteArrayInputStream(gzip))) {
            c.next();
            assertEquals(1L << 32, c.elsize());
        }
    }
}
