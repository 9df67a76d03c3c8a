package io.pymem4j.replay;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads a {@code .pymt} trace one event at a time, validating every rule of FORMAT.md as it
 * goes, without allocating per event.
 *
 * <pre>
 *   try (TraceCursor c = TraceCursor.open(path)) {
 *       while (c.next()) {
 *           switch (c.op()) { ... c.domain(), c.id(), c.size() ... }
 *       }
 *   }
 * </pre>
 * The accessors describe the current event; their meaning follows the format's fields:
 * <table>
 *   <caption>Fields by op</caption>
 *   <tr><th>op</th><th>{@link #id()}</th><th>{@link #newId()}</th><th>{@link #size()}</th></tr>
 *   <tr><td>malloc</td><td>the new block</td><td>0</td><td>size</td></tr>
 *   <tr><td>calloc</td><td>the new block</td><td>0</td><td>nelem x elsize ({@link #nelem()}, {@link #elsize()})</td></tr>
 *   <tr><td>realloc</td><td>the old block, 0 for NULL</td><td>the new block</td><td>new size</td></tr>
 *   <tr><td>free</td><td>the freed block</td><td>0</td><td>0</td></tr>
 * </table>
 *
 * <p>{@link #next()} throws {@link TraceFormatException} at the first broken rule, and once
 * it returns false the whole stream has been checked: no trailing bytes, and the header's
 * {@code max_id} and peaks equal what the events give. The per-block state it keeps for that
 * grows with the ids actually seen (a byte and a long per id), and ids are dense (a define
 * names at most 4096 + twice the number of defines before it), so neither a lying header nor a
 * sparse id can make it allocate more than the events it has read.
 *
 * @since 0.1
 */
public final class TraceCursor implements Closeable {

    /** The largest block id supported: decoded events keep ids in 28 bits, as the C replayer does. */
    public static final int MAX_ID = (1 << 28) - 1;

    private static final byte[] MAGIC = {'P', 'Y', 'M', 'T'};
    private static final int VERSION = 1;
    private static final int RESERVED_DOMAIN = 3;
    /** Block state: 0 never defined, 1 to 3 live in domain state - 1, FREED after its free or realloc. */
    private static final byte FREED = 4;
    private static final int INITIAL_IDS = 1 << 12;

    private final InputStream in;
    private final byte[] buf = new byte[1 << 16];
    private int pos;
    private int limit;

    private final TraceHeader header;
    private final int maxId;
    private long index = -1;
    private boolean finished;

    private int domain;
    private int op;
    private long id;
    private long newId;
    private long size;
    private long nelem;
    private long elsize;

    private byte[] state = new byte[0];
    private long[] blockSize = new long[0];
    private long liveBlocks;
    private long defines;
    private long liveBytes;
    private long peakBlocks;
    private long peakBytes;
    private long largestId;
    private long reallocsFromNull;
    private final long[] counts = new long[TraceOp.TAGS];

    private TraceCursor(InputStream gzip) throws IOException {
        try {
            this.in = new GZIPInputStream(gzip, buf.length);
        } catch (ZipException | EOFException e) {
            throw new TraceFormatException("not a gzip stream" + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"), e);
        }
        this.header = readHeader();
        this.maxId = (int) header.maxId();
        int initial = (int) Math.min(maxId + 1L, INITIAL_IDS);
        state = new byte[initial];
        blockSize = new long[initial];
    }

    /** Opens the trace file at {@code file} and reads its header. */
    public static TraceCursor open(Path file) throws IOException {
        return open(Files.newInputStream(file));
    }

    /** Reads the header of the gzip'ed trace {@code gzip}; the cursor owns and closes the stream. */
    public static TraceCursor open(InputStream gzip) throws IOException {
        try {
            return new TraceCursor(gzip);
        } catch (IOException | RuntimeException e) {
            try {
                gzip.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    public TraceHeader header() {
        return header;
    }

    // ------------------------------------------------------------------ header

    private TraceHeader readHeader() throws IOException {
        byte[] magic = new byte[MAGIC.length];
        for (int i = 0; i < magic.length; i++) {
            magic[i] = (byte) headerByte("magic");
        }
        if (!Arrays.equals(magic, MAGIC)) {
            throw new TraceFormatException("bad magic " + HexFormat.ofDelimiter(" ").formatHex(magic)
                    + ", expected 50 59 4d 54 (\"PYMT\"): not a .pymt trace");
        }
        int version = headerByte("version");
        if (version != VERSION) {
            throw new TraceFormatException("unsupported version " + version + "; this reader knows version " + VERSION);
        }
        long count = headerCount("event_count");
        long max = headerCount("max_id");
        long blocks = headerCount("peak_live_blocks");
        long bytes = headerCount("peak_live_bytes");
        if (max > MAX_ID) {
            throw new TraceFormatException("header: max_id " + max + " is larger than " + MAX_ID
                    + ", the largest block id this reader supports (ids are packed into 28 bits)");
        }
        return new TraceHeader(count, max, blocks, bytes);
    }

    private int headerByte(String field) throws IOException {
        if (pos == limit && !fill()) {
            throw truncatedInside(field);
        }
        return buf[pos++] & 0xFF;
    }

    private long headerCount(String field) throws IOException {
        long value = uvarint(field);
        if (value < 0) {
            throw new TraceFormatException("header: " + field + " " + Long.toUnsignedString(value)
                    + " is larger than " + Long.MAX_VALUE);
        }
        return value;
    }

    private static String varintFault(int tenthByte) {
        return (tenthByte & 0x80) != 0 ? "a uvarint longer than 10 bytes" : "a uvarint that overflows 64 bits";
    }

    // ------------------------------------------------------------------ events

    /**
     * Reads the next event; false once all {@code event_count} events were read and the
     * stream's end checked.
     *
     * @throws TraceFormatException at the first rule the stream breaks
     */
    public boolean next() throws IOException {
        if (index + 1 == header.eventCount()) {
            if (!finished) {
                finish();
                finished = true;
            }
            return false;
        }
        index++;
        if (pos == limit && !fill()) {
            throw error("truncated: the stream ends after " + index + " of " + header.eventCount() + " events");
        }
        int tag = buf[pos++] & 0xFF;
        if ((tag & 0xF0) != 0) {
            throw error("reserved tag bits 4-7 set (tag 0x" + HexFormat.of().toHexDigits((byte) tag) + ")");
        }
        domain = tag & 3;
        op = tag >>> 2;
        if (domain == RESERVED_DOMAIN) {
            throw error("reserved domain 3 (tag 0x" + HexFormat.of().toHexDigits((byte) tag) + ")");
        }
        newId = 0;
        nelem = 0;
        elsize = 0;
        switch (op) {
            case 0 -> {
                id = uvarint("id");
                size = sizeField("size");
                define(id, size);
            }
            case 1 -> {
                id = uvarint("id");
                nelem = sizeField("nelem");
                elsize = sizeField("elsize");
                if (PyMemAllocatorEx.callocOverflows(nelem, elsize)) {
                    throw error("calloc(" + nelem + ", " + elsize + ") overflows PY_SSIZE_T_MAX");
                }
                size = nelem * elsize;
                define(id, size);
            }
            case 2 -> {
                id = uvarint("old_id");
                newId = uvarint("new_id");
                size = sizeField("size");
                if (id == 0) {
                    reallocsFromNull++;
                } else {
                    release(id);
                }
                define(newId, size);
            }
            default -> {
                id = uvarint("id");
                size = 0;
                if (id == 0) {
                    throw error("free of block 0 (NULL) in " + domainName(domain) + "; a free of NULL is never recorded");
                }
                release(id);
            }
        }
        counts[tag]++;
        return true;
    }

    private void define(long block, long bytes) throws TraceFormatException {
        if (block == 0) {
            throw error(opName() + " in " + domainName(domain) + " defines block 0, which is NULL");
        }
        if (Long.compareUnsigned(block, maxId) > 0) {
            throw error(opName() + " in " + domainName(domain) + " defines block " + Long.toUnsignedString(block)
                    + ", beyond the header's max_id " + maxId);
        }
        int b = (int) block;
        if (b > INITIAL_IDS + 2 * defines) {
            // Ids are dense, so the tables below stay within a few times the defines read. Without
            // this rule one event naming id 2^28 - 1 would size them to 2.25 GB.
            throw error(opName() + " in " + domainName(domain) + " defines block " + b + " after only " + defines
                    + " define" + (defines == 1 ? "" : "s") + ": block ids are dense (a new id is at most " + INITIAL_IDS
                    + " + twice the defines before it)");
        }
        if (b >= state.length) {
            grow(b);
        }
        int s = state[b];
        if (s != 0 && s != FREED) {
            throw error(opName() + " in " + domainName(domain) + " defines block " + b + ", which is still live (allocated in "
                    + domainName(s - 1) + ")");
        }
        state[b] = (byte) (domain + 1);
        blockSize[b] = bytes;
        defines++;
        liveBlocks++;
        try {
            liveBytes = Math.addExact(liveBytes, bytes);
        } catch (ArithmeticException e) {
            throw error("the live bytes overflow 64 bits");
        }
        peakBlocks = Math.max(peakBlocks, liveBlocks);
        peakBytes = Math.max(peakBytes, liveBytes);
        largestId = Math.max(largestId, b);
    }

    private void release(long block) throws TraceFormatException {
        if (Long.compareUnsigned(block, maxId) > 0) {
            throw releaseError(block, "the header's max_id is " + maxId);
        }
        int b = (int) block;
        int s = b < state.length ? state[b] : 0;
        if (s != domain + 1) {
            throw releaseError(block, s == 0 ? "it was never allocated"
                    : s == FREED ? "it was already freed"
                    : "it was allocated in " + domainName(s - 1));
        }
        state[b] = FREED;
        liveBlocks--;
        liveBytes -= blockSize[b];
    }

    private TraceFormatException releaseError(long block, String why) {
        return error(opName() + " of block " + Long.toUnsignedString(block) + " in " + domainName(domain) + ", but " + why);
    }

    private void grow(int block) {
        int n = (int) Math.min(Math.max(block + 1L, 2L * state.length), maxId + 1L);
        state = Arrays.copyOf(state, n);
        blockSize = Arrays.copyOf(blockSize, n);
    }

    private void finish() throws IOException {
        long trailing = limit - pos;
        pos = limit;
        while (fill()) {
            trailing += limit - pos;
            pos = limit;
        }
        if (trailing > 0) {
            throw new TraceFormatException(header.eventCount(), trailing + " trailing byte" + (trailing == 1 ? "" : "s")
                    + " after the last event (the header says " + header.eventCount() + " events)");
        }
        if (largestId != header.maxId()) {
            throw new TraceFormatException("header: max_id " + header.maxId() + ", but the largest block id the events use is "
                    + largestId);
        }
        if (peakBlocks != header.peakLiveBlocks()) {
            throw new TraceFormatException("header: peak_live_blocks " + header.peakLiveBlocks()
                    + ", but the events reach " + peakBlocks);
        }
        if (peakBytes != header.peakLiveBytes()) {
            throw new TraceFormatException("header: peak_live_bytes " + header.peakLiveBytes()
                    + ", but the events reach " + peakBytes);
        }
    }

    /** An unsigned LEB128 value of at most 10 bytes that fits 64 bits. */
    private long uvarint(String field) throws IOException {
        if (limit - pos >= 10) {
            // Fast path: the whole varint is in the buffer, so no refill check per byte.
            long value = 0;
            for (int shift = 0; shift < 63; shift += 7) {
                int b = buf[pos++];
                value |= (long) (b & 0x7f) << shift;
                if (b >= 0) {
                    return value;
                }
            }
            int b = buf[pos++] & 0xFF;
            if (b > 1) {
                throw error(field + " is " + varintFault(b));
            }
            return value | (long) b << 63;
        }
        long value = 0;
        for (int shift = 0; ; shift += 7) {
            if (pos == limit && !fill()) {
                throw truncatedInside(field);
            }
            int b = buf[pos++] & 0xFF;
            if (shift == 63 && b > 1) {
                throw error(field + " is " + varintFault(b));
            }
            value |= (long) (b & 0x7f) << shift;
            if (b < 0x80) {
                return value;
            }
        }
    }

    private long sizeField(String field) throws IOException {
        long v = uvarint(field);
        if (v < 0) {
            throw error(opName() + " " + field + " " + Long.toUnsignedString(v) + " is larger than PY_SSIZE_T_MAX");
        }
        return v;
    }

    private boolean fill() throws IOException {
        int n;
        try {
            n = in.readNBytes(buf, 0, buf.length);
        } catch (ZipException | EOFException e) {
            throw error("the gzip stream is corrupt or cut short (" + e.getMessage() + ")", e);
        }
        pos = 0;
        limit = n;
        return n > 0;
    }

    /** A format error at the current event, or in the header while no event was read. */
    TraceFormatException error(String what) {
        return error(what, null);
    }

    private TraceFormatException error(String what, Throwable cause) {
        return index < 0 ? new TraceFormatException("header: " + what, cause) : new TraceFormatException(index, what, cause);
    }

    private TraceFormatException truncatedInside(String field) {
        return index < 0 ? new TraceFormatException("truncated header: the stream ends inside " + field)
                : error("truncated: the stream ends inside the " + opName() + " event's " + field);
    }

    private String opName() {
        return TraceOp.ofValue(op).label();
    }

    private static String domainName(int domain) {
        return PyMemAllocatorDomain.ofValue(domain).name();
    }

    // ------------------------------------------------------------------ the current event

    /** The 0-based index of the current event. */
    public long index() {
        return index;
    }

    /** The current event's domain as the tag numbers it: 0 RAW, 1 MEM, 2 OBJ. */
    public int domainValue() {
        return domain;
    }

    public PyMemAllocatorDomain domain() {
        return PyMemAllocatorDomain.ofValue(domain);
    }

    /** The current event's op as the tag numbers it: 0 malloc, 1 calloc, 2 realloc, 3 free. */
    public int opValue() {
        return op;
    }

    public TraceOp op() {
        return TraceOp.ofValue(op);
    }

    /** The current event's tag: domain in bits 0-1, op in bits 2-3. */
    public int tag() {
        return TraceOp.tag(domain, op);
    }

    /** The block a malloc or calloc defines, the block a free frees, a realloc's old block (0: NULL). */
    public int id() {
        return (int) id;
    }

    /** The block a realloc defines; 0 for the other ops. */
    public int newId() {
        return (int) newId;
    }

    /** The bytes requested: a malloc's or realloc's size, a calloc's nelem x elsize; 0 for a free. */
    public long size() {
        return size;
    }

    /** A calloc's nelem; 0 for the other ops. */
    public long nelem() {
        return nelem;
    }

    /** A calloc's elsize; 0 for the other ops. */
    public long elsize() {
        return elsize;
    }

    // ------------------------------------------------------------------ what was read so far

    /** The events of {@code domain} and {@code op} read so far. */
    public long count(PyMemAllocatorDomain domain, TraceOp op) {
        return counts[op.tag(domain)];
    }

    /** The reallocs with old_id 0 read so far (they define a block, as a malloc does). */
    public long reallocsFromNull() {
        return reallocsFromNull;
    }

    /** Blocks live after the events read so far. */
    public long liveBlocks() {
        return liveBlocks;
    }

    /** Requested bytes live after the events read so far. */
    public long liveBytes() {
        return liveBytes;
    }

    /** The domain value of block {@code block} if it is live now, else -1. */
    public int liveDomain(int block) {
        int s = block > 0 && block < state.length ? state[block] : 0;
        return s == 0 || s == FREED ? -1 : s - 1;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
