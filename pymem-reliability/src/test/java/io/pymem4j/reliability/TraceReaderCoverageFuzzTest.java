package io.pymem4j.reliability;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.pymem4j.replay.TraceFile;
import io.pymem4j.replay.TraceFormatException;
import io.pymem4j.replay.TraceOp;
import io.pymem4j.replay.TraceWriter;

import java.io.ByteArrayInputStream;
import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Coverage-guided fuzzing of the {@code .pymt} reader with Jazzer: any content (gzip'ed here, so
 * the fuzzer works on the format itself rather than on deflate) and any gzip stream give a decoded
 * trace whose counts agree with its header, or a {@link TraceFormatException} with a message.
 * Another exception fails the target; a hang is Jazzer's timeout. In the suite each target replays
 * its committed inputs ({@code TraceReaderCoverageFuzzTestInputs/<method>/} in the test resources);
 * {@code JAZZER_FUZZ=1} fuzzes one target (RELIABILITY.md has the command). The random-input
 * properties of {@link TraceReaderFuzzTest} stay: they mutate valid traces in ways coverage need not reach.
 */
class TraceReaderCoverageFuzzTest {

    /** The bytes of an uncompressed trace, from its magic on. */
    @FuzzTest(maxDuration = "30s")
    void anyContentGivesATraceOrAFormatError(FuzzedDataProvider data) throws IOException {
        readAnything(TraceWriter.gzip(data.consumeRemainingAsBytes()));
    }

    /** Any gzip stream, valid or not. */
    @FuzzTest(maxDuration = "30s")
    void anyStreamGivesATraceOrAFormatError(FuzzedDataProvider data) throws IOException {
        readAnything(data.consumeRemainingAsBytes());
    }

    static void readAnything(byte[] gzip) throws IOException {
        TraceFile t;
        try {
            t = TraceFile.read(new ByteArrayInputStream(gzip), "fuzz");
        } catch (TraceFormatException e) {
            assertFalse(e.getMessage() == null || e.getMessage().isBlank(), "a TraceFormatException without a message");
            return;
        }
        assertEquals(t.header().eventCount(), t.eventCount());
        long sum = 0;
        for (TraceOp op : TraceOp.values()) {
            sum += t.count(op);
        }
        assertEquals(t.eventCount(), sum, "events by op");
    }
}
