package io.pymem4j.replay;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Builds the uncompressed content of a {@code .pymt} stream byte by byte, broken or not. */
final class PymtBytes {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** Magic, version 1 and the four header fields. */
    static PymtBytes header(long eventCount, long maxId, long peakLiveBlocks, long peakLiveBytes) {
        return new PymtBytes().ascii("PYMT").bytes(1)
                .uvarint(eventCount).uvarint(maxId).uvarint(peakLiveBlocks).uvarint(peakLiveBytes);
    }

    PymtBytes ascii(String s) {
        out.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
        return this;
    }

    PymtBytes bytes(int... values) {
        for (int v : values) {
            out.write(v);
        }
        return this;
    }

    PymtBytes uvarint(long value) {
        TraceWriter.uvarint(out, value);
        return this;
    }

    byte[] raw() {
        return out.toByteArray();
    }

    byte[] gzip() {
        return TraceWriter.gzip(raw());
    }
}
