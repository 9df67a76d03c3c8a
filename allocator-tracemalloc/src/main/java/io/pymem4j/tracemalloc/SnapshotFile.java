package io.pymem4j.tracemalloc;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The codec of this port's snapshot file ({@link SnapshotFormat#PYMEM4J}; the format is in
 * Snapshot's class doc), and {@link Snapshot#load}'s choice between it and a pickle.
 */
final class SnapshotFile {

    static final int MAGIC = 0x504D544D;
    /** The version this class writes for an exact snapshot, which every reader knows. */
    static final int EXACT_VERSION = 1;
    /** The version of a sampled snapshot (the interval after the limit), and the latest. */
    static final int VERSION = 2;

    private SnapshotFile() {
    }

    /** Equal frames and equal total: one traceback in the file (Traceback's own equality ignores the total). */
    private record TracebackKey(Traceback traceback, int total) {
        TracebackKey(Traceback traceback) {
            this(traceback, traceback.rawTotal());
        }
    }

    static void write(Snapshot s, Path file) throws IOException {
        Map<String, Integer> strings = new LinkedHashMap<>();
        Map<Frame, Integer> frames = new LinkedHashMap<>();
        Map<TracebackKey, Integer> tracebacks = new HashMap<>();
        List<Traceback> tracebackOrder = new ArrayList<>();
        for (Trace t : s.traces()) {
            if (tracebacks.putIfAbsent(new TracebackKey(t.traceback()), tracebacks.size()) == null) {
                tracebackOrder.add(t.traceback());
                for (Frame f : t.traceback()) {
                    if (frames.putIfAbsent(f, frames.size()) == null) {
                        for (String str : new String[]{f.filename(), f.className(), f.methodName()}) {
                            if (str != null) {
                                strings.putIfAbsent(str, strings.size());
                            }
                        }
                    }
                }
            }
        }
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16))) {
            out.writeInt(MAGIC);
            out.writeInt(s.sampled() ? VERSION : EXACT_VERSION);
            out.writeInt(s.tracebackLimit());
            if (s.sampled()) {
                out.writeLong(s.samplingInterval());
            }
            out.writeInt(s.attributes().size());
            for (var e : s.attributes().entrySet()) {
                writeString(out, e.getKey());
                writeString(out, e.getValue());
            }
            out.writeInt(strings.size());
            for (String str : strings.keySet()) {
                writeString(out, str);
            }
            out.writeInt(frames.size());
            for (Frame f : frames.keySet()) {
                out.writeInt(strings.get(f.filename()));
                out.writeInt(f.lineno());
                out.writeInt(f.className() == null ? -1 : strings.get(f.className()));
                out.writeInt(f.methodName() == null ? -1 : strings.get(f.methodName()));
            }
            out.writeInt(tracebackOrder.size());
            for (Traceback tb : tracebackOrder) {
                out.writeInt(tb.rawTotal());
                out.writeInt(tb.size());
                for (Frame f : tb) {
                    out.writeInt(frames.get(f));
                }
            }
            out.writeInt(s.traces().size());
            for (Trace t : s.traces()) {
                out.writeInt(t.domain());
                out.writeLong(t.size());
                out.writeInt(tracebacks.get(new TracebackKey(t.traceback())));
                out.writeByte(t.expected() ? 1 : 0);
            }
        }
    }

    /** Reads either format: a pickle (CPython's) starts with its PROTO opcode, this one with its magic. */
    static Snapshot read(Path file) throws IOException {
        try (BufferedInputStream buffered = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            buffered.mark(1);
            int first = buffered.read();
            buffered.reset();
            if (first == SnapshotPickle.PROTO) {
                return SnapshotPickle.read(file, buffered);
            }
            return read(file, new DataInputStream(buffered));
        }
    }

    private static Snapshot read(Path file, DataInputStream in) throws IOException {
        try {
            int magic = in.readInt();
            if (magic != MAGIC) {
                throw new IOException(file + " is not a tracemalloc snapshot (magic 0x" + Integer.toHexString(magic) + ")");
            }
            int version = in.readInt();
            if (version < 1 || version > VERSION) {
                throw new IOException(file + " is a snapshot of format version " + version + "; this reader knows 1 to "
                        + VERSION);
            }
            int limit = in.readInt();
            long interval = version >= 2 ? in.readLong() : 0;
            if (interval < 0) {
                throw new IOException(file + " has a negative sampling interval " + interval);
            }
            Map<String, String> attributes = new HashMap<>();
            for (int i = count(in); i > 0; i--) {
                attributes.put(readString(in), readString(in));
            }
            String[] strings = new String[count(in)];
            for (int i = 0; i < strings.length; i++) {
                strings[i] = readString(in);
            }
            Frame[] frames = new Frame[count(in)];
            for (int i = 0; i < frames.length; i++) {
                String filename = strings[in.readInt()];
                int lineno = in.readInt();
                int cls = in.readInt();
                int method = in.readInt();
                frames[i] = new Frame(filename, lineno, cls < 0 ? null : strings[cls], method < 0 ? null : strings[method]);
            }
            Traceback[] tracebacks = new Traceback[count(in)];
            for (int i = 0; i < tracebacks.length; i++) {
                int total = in.readInt();
                Frame[] recentFirst = new Frame[count(in)];
                for (int k = recentFirst.length - 1; k >= 0; k--) {
                    recentFirst[k] = frames[in.readInt()];
                }
                tracebacks[i] = total < 0 ? Traceback.of(List.of(recentFirst)) : Traceback.of(List.of(recentFirst), total);
            }
            int n = count(in);
            List<Trace> traces = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int domain = in.readInt();
                long size = in.readLong();
                Traceback tb = tracebacks[in.readInt()];
                traces.add(new Trace(domain, size, tb, (in.readByte() & 1) != 0));
            }
            return new Snapshot(traces, limit, interval, attributes);
        } catch (EOFException | ArrayIndexOutOfBoundsException e) {
            throw new IOException(file + " is a truncated or damaged tracemalloc snapshot", e);
        }
    }

    private static int count(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            throw new IOException("negative count " + n + " in a tracemalloc snapshot");
        }
        return n;
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in) throws IOException {
        byte[] b = new byte[count(in)];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
