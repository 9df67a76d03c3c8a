package io.pymem4j.replay;

import io.pymem4j.api.PyMemAllocatorDomain;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * A whole {@code .pymt} trace, validated and decoded into primitive arrays, ready to replay.
 *
 * <h2>Packing: two longs per event</h2>
 * Event {@code i} is {@code events()[2i]} and {@code events()[2i + 1]}, the C replayer's
 * 16-byte {@code ev_t} in two Java words:
 * <pre>
 *   word 0:  bits  0-27  id: the block a malloc/calloc defines, a free frees, a realloc's old block (0 = NULL)
 *            bits 28-31  the tag: domain in bits 28-29, op in bits 30-31
 *            bits 32-63  a realloc's new_id, a calloc's elsize, else 0 (unsigned)
 *   word 1:              a malloc's or realloc's size, a calloc's nelem, 0 for a free
 * </pre>
 * Limits that follow: block ids below 2<sup>28</sup> ({@link TraceCursor#MAX_ID}), calloc
 * elsize below 2<sup>32</sup>, and at most {@link #MAX_EVENTS} events (a Java array's
 * length). A trace beyond them fails to decode with a {@link TraceFormatException} that
 * says which; {@link TraceCursor} streams such a trace instead. The recorded traces are
 * far inside them (json: max_id 550,197; every elsize below 2<sup>16</sup>).
 *
 * @since 0.1
 */
public final class TraceFile {

    /** The most events a decoded trace holds: two words each in one {@code long[]}. */
    public static final int MAX_EVENTS = (Integer.MAX_VALUE - 8) / 2;
    /** The trace bundled with this module, replayed when none is named. */
    public static final String BUNDLED = "compile.pymt";

    static final int ID_BITS = 28;
    static final int ID_MASK = (1 << ID_BITS) - 1;
    private static final long MAX_ELSIZE = 0xFFFF_FFFFL;
    private static final int INITIAL_EVENTS = 1 << 20;

    private final String name;
    private final TraceHeader header;
    private final long[] events;
    private final int eventCount;
    private final long[] counts;
    private final long reallocsFromNull;
    private final int[] liveIds;
    private final byte[] liveDomains;
    private final long liveBytes;

    private TraceFile(String name, TraceHeader header, long[] events, int eventCount, long[] counts, long reallocsFromNull,
                  int[] liveIds, byte[] liveDomains, long liveBytes) {
        this.name = name;
        this.header = header;
        this.events = events;
        this.eventCount = eventCount;
        this.counts = counts;
        this.reallocsFromNull = reallocsFromNull;
        this.liveIds = liveIds;
        this.liveDomains = liveDomains;
        this.liveBytes = liveBytes;
    }

    /** Reads, validates and decodes the trace file {@code file}; its name is the file name without {@code .pymt}. */
    public static TraceFile read(Path file) throws IOException {
        return read(Files.newInputStream(file), nameOf(file.getFileName().toString()));
    }

    /** Reads, validates and decodes the gzip'ed trace {@code gzip}, and closes it. */
    public static TraceFile read(InputStream gzip, String name) throws IOException {
        Objects.requireNonNull(name, "name");
        try (TraceCursor c = TraceCursor.open(gzip)) {
            return decode(c, name);
        }
    }

    /** The bundled trace (the compile trace of TRACES.md), decoded. */
    public static TraceFile bundled() throws IOException {
        return read(openBundled(), nameOf(BUNDLED));
    }

    /** The bundled trace's gzip stream, e.g. for a {@link TraceCursor}. */
    public static InputStream openBundled() throws IOException {
        InputStream in = TraceFile.class.getResourceAsStream(BUNDLED);
        if (in == null) {
            throw new IOException("the bundled trace " + BUNDLED + " is missing from the class path");
        }
        return in;
    }

    private static String nameOf(String fileName) {
        return fileName.endsWith(".pymt") ? fileName.substring(0, fileName.length() - ".pymt".length()) : fileName;
    }

    private static TraceFile decode(TraceCursor c, String name) throws IOException {
        TraceHeader h = c.header();
        if (h.eventCount() > MAX_EVENTS) {
            throw new TraceFormatException("header: event_count " + h.eventCount() + " is more than a decoded trace holds ("
                    + MAX_EVENTS + "); stream it with a TraceCursor");
        }
        int total = (int) h.eventCount();
        // Grown as events arrive rather than sized from the header, which a broken file may inflate.
        long[] ev = new long[2 * Math.min(total, INITIAL_EVENTS)];
        int n = 0;
        while (c.next()) {
            if (2 * n == ev.length) {
                ev = Arrays.copyOf(ev, 2 * (int) Math.min(2L * n, total));
            }
            long w1;
            long count;
            switch (c.opValue()) {
                case 1 -> {
                    if (c.elsize() > MAX_ELSIZE) {
                        throw c.error("calloc elsize " + c.elsize() + " does not fit the 32 bits of a decoded event");
                    }
                    w1 = c.elsize();
                    count = c.nelem();
                }
                case 2 -> {
                    w1 = c.newId();
                    count = c.size();
                }
                default -> {
                    w1 = 0;
                    count = c.size();
                }
            }
            ev[2 * n] = w1 << 32 | (long) c.tag() << ID_BITS | c.id();
            ev[2 * n + 1] = count;
            n++;
        }
        long[] counts = new long[TraceOp.TAGS];
        for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
            for (TraceOp op : TraceOp.values()) {
                counts[op.tag(d)] = c.count(d, op);
            }
        }
        int live = (int) c.liveBlocks();
        int[] liveIds = new int[live];
        byte[] liveDomains = new byte[live];
        int k = 0;
        for (int id = 1; id <= h.maxId(); id++) {
            int d = c.liveDomain(id);
            if (d >= 0) {
                liveIds[k] = id;
                liveDomains[k] = (byte) d;
                k++;
            }
        }
        return new TraceFile(name, h, ev, n, counts, c.reallocsFromNull(), liveIds, liveDomains, c.liveBytes());
    }

    /** The trace's name: its file name without {@code .pymt}. */
    public String name() {
        return name;
    }

    public TraceHeader header() {
        return header;
    }

    public int eventCount() {
        return eventCount;
    }

    /**
     * The packed events (see the class doc), shared and not copied: do not modify. The array
     * may be longer than {@code 2 * eventCount()}.
     */
    public long[] events() {
        return events;
    }

    /** The events of {@code domain} and {@code op}. */
    public long count(PyMemAllocatorDomain domain, TraceOp op) {
        return counts[op.tag(domain)];
    }

    /** The events of {@code domain}, all ops. */
    public long count(PyMemAllocatorDomain domain) {
        long sum = 0;
        for (TraceOp op : TraceOp.values()) {
            sum += count(domain, op);
        }
        return sum;
    }

    /** The events of {@code op}, all domains. */
    public long count(TraceOp op) {
        long sum = 0;
        for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
            sum += count(d, op);
        }
        return sum;
    }

    /** The reallocs with old_id 0, which define a block as a malloc does. */
    public long reallocsFromNull() {
        return reallocsFromNull;
    }

    /** The blocks still live after the last event, which a replay frees after timing. */
    public int liveAtEnd() {
        return liveIds.length;
    }

    /** The blocks of {@code domain} still live after the last event. */
    public int liveAtEnd(PyMemAllocatorDomain domain) {
        int n = 0;
        for (byte d : liveDomains) {
            if (d == domain.ordinal()) {
                n++;
            }
        }
        return n;
    }

    /** The requested bytes still live after the last event. */
    public long liveBytesAtEnd() {
        return liveBytes;
    }

    /** The ids of the blocks live at the end, ascending; shared, do not modify. */
    int[] liveIds() {
        return liveIds;
    }

    /** The domain values of {@link #liveIds()}, index for index; shared, do not modify. */
    byte[] liveDomains() {
        return liveDomains;
    }

    @Override
    public String toString() {
        return name + " (" + eventCount + " events)";
    }
}
