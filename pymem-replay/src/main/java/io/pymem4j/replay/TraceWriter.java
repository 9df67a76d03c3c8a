package io.pymem4j.replay;

import io.pymem4j.api.PyMemAllocatorDomain;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * Encodes events into a {@code .pymt} trace, with the header computed from the events.
 *
 * <pre>
 *   byte[] pymt = new TraceWriter()
 *           .malloc(OBJ, 1, 32)
 *           .realloc(OBJ, 1, 1, 64)
 *           .free(OBJ, 1)
 *           .toGzip();
 * </pre>
 * The writer encodes what it is given and checks none of the trace rules, so tests can also
 * write broken traces; {@link #encode(TraceHeader)} writes any header. The computed header
 * ({@link #header()}) follows the events as a reader would: a define makes a block live and
 * adds its size, a free or realloc of a live block removes it.
 *
 * @since 0.1
 */
public final class TraceWriter {

    /** An empty trace: no events, no live blocks. */
    public TraceWriter() {
    }

    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private final Map<Long, Long> liveSizes = new HashMap<>();
    private long events;
    private long maxId;
    private long liveBytes;
    private long peakBlocks;
    private long peakBytes;

    /** {@code p = malloc(size)} in {@code domain}; the block is now {@code id}. */
    public TraceWriter malloc(PyMemAllocatorDomain domain, long id, long size) {
        tag(domain, TraceOp.MALLOC);
        uvarint(body, id);
        uvarint(body, size);
        define(id, size);
        return this;
    }

    /** {@code p = calloc(nelem, elsize)} in {@code domain}; the block is now {@code id}. */
    public TraceWriter calloc(PyMemAllocatorDomain domain, long id, long nelem, long elsize) {
        tag(domain, TraceOp.CALLOC);
        uvarint(body, id);
        uvarint(body, nelem);
        uvarint(body, elsize);
        define(id, nelem * elsize);
        return this;
    }

    /** {@code q = realloc(block oldId, size)} in {@code domain} (oldId 0: NULL); the block is now {@code newId}. */
    public TraceWriter realloc(PyMemAllocatorDomain domain, long oldId, long newId, long size) {
        tag(domain, TraceOp.REALLOC);
        uvarint(body, oldId);
        uvarint(body, newId);
        uvarint(body, size);
        release(oldId);
        define(newId, size);
        return this;
    }

    /** {@code free(block id)} in {@code domain}. */
    public TraceWriter free(PyMemAllocatorDomain domain, long id) {
        tag(domain, TraceOp.FREE);
        uvarint(body, id);
        release(id);
        return this;
    }

    private void tag(PyMemAllocatorDomain domain, TraceOp op) {
        body.write(op.tag(domain));
        events++;
    }

    private void define(long id, long size) {
        Long previous = liveSizes.put(id, size);
        liveBytes += size - (previous == null ? 0 : previous);
        maxId = Math.max(maxId, id);
        peakBlocks = Math.max(peakBlocks, liveSizes.size());
        peakBytes = Math.max(peakBytes, liveBytes);
    }

    private void release(long id) {
        Long size = liveSizes.remove(id);
        if (size != null) {
            liveBytes -= size;
        }
    }

    /** The events written so far. */
    public long eventCount() {
        return events;
    }

    /** The blocks live after the events written so far. */
    public int liveBlocks() {
        return liveSizes.size();
    }

    /** The header the events call for. */
    public TraceHeader header() {
        return new TraceHeader(events, maxId, peakBlocks, peakBytes);
    }

    /** The trace, uncompressed: magic, version, the computed header, the events. */
    public byte[] encode() {
        return encode(header());
    }

    /** The trace, uncompressed, with {@code header} in place of the computed one. */
    public byte[] encode(TraceHeader header) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.size() + 40);
        out.writeBytes("PYMT".getBytes(StandardCharsets.US_ASCII));
        out.write(1);
        uvarint(out, header.eventCount());
        uvarint(out, header.maxId());
        uvarint(out, header.peakLiveBlocks());
        uvarint(out, header.peakLiveBytes());
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    /** The {@code .pymt} file's bytes: {@link #encode()} gzip'ed. */
    public byte[] toGzip() {
        return gzip(encode());
    }

    /** Writes the {@code .pymt} file to {@code file}. */
    public void writeTo(Path file) throws IOException {
        Files.write(file, toGzip());
    }

    /** Gzips {@code content}, as a {@code .pymt} file holds it. */
    public static byte[] gzip(byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length / 2 + 64);
        try (OutputStream gz = new GZIPOutputStream(out)) {
            gz.write(content);
        } catch (IOException e) {
            throw new UncheckedIOException("a ByteArrayOutputStream cannot fail", e);
        }
        return out.toByteArray();
    }

    /** Appends {@code value} as an unsigned LEB128 varint (a negative long is a value of 2^63 or more). */
    public static void uvarint(ByteArrayOutputStream out, long value) {
        while ((value & ~0x7fL) != 0) {
            out.write((int) (value & 0x7f) | 0x80);
            value >>>= 7;
        }
        out.write((int) value);
    }
}
