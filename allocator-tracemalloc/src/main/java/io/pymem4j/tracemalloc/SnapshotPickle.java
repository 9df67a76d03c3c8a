package io.pymem4j.tracemalloc;

import net.razorvine.pickle.IObjectPickler;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.Pickler;
import net.razorvine.pickle.Unpickler;
import net.razorvine.pickle.objects.ClassDict;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The codec of CPython's snapshot file ({@link SnapshotFormat#PICKLE}): what
 * {@code tracemalloc.Snapshot.dump()} writes, a pickle of the snapshot object, read and
 * written with Pyrolite ({@code net.razorvine:pickle}). The source names Pyrolite's own
 * packages; the build relocates them into this module's jar as the unexported package
 * {@code io.pymem4j.tracemalloc.internal.pickle}, so users need no jar of Pyrolite's and the
 * module descriptor requires none (see this module's pom).
 * <pre>
 *   tracemalloc.Snapshot       made without __init__ (NEWOBJ), then its __dict__ (BUILD):
 *     'traces'                 tracemalloc._Traces, its __dict__ {'_traces': [trace, ...]}
 *       trace                  (domain, size, frames, total_nframe)
 *         frames               ((filename, lineno), ...), most recent first, as _tracemalloc
 *                              returns them (Traceback reverses them)
 *         total_nframe         int, or None when not known
 *     'traceback_limit'        int
 *     any other key            an attribute; a str one is one of {@link Snapshot#attributes()}
 * </pre>
 * A frame is a file and a line: the Java class and method of a {@link Frame}, and the
 * expected flag of a {@link Trace}, have no place in it. Writing shares one tuple per
 * distinct frame and traceback, as CPython's tables do, so the file stays small and the
 * loaded snapshot shares them too. Older pickles' 3-tuples (no total) are read.
 *
 * <p>Reading runs nothing the file names: Pyrolite turns the classes of a pickle into maps
 * ({@link ClassDict}) rather than calling them, so a file that is not a snapshot gives an
 * {@link IOException}, never code run on its behalf (Python's own {@code pickle.load} must
 * only be given trusted files).
 */
final class SnapshotPickle {

    /** The first byte of every pickle of protocol 2 or later ({@code PROTO}); Python writes its highest. */
    static final int PROTO = 0x80;

    // The opcodes the Python objects are written with (pickletools' names).
    private static final int GLOBAL = 'c';
    private static final int EMPTY_TUPLE = ')';
    private static final int NEWOBJ = 0x81;
    private static final int BUILD = 'b';

    private static final String MODULE = "tracemalloc";
    private static final String SNAPSHOT = "Snapshot";
    private static final String TRACES = "_Traces";
    private static final Set<String> SNAPSHOT_KEYS = Set.of("__class__", "traces", "traceback_limit");

    private SnapshotPickle() {
    }

    /** A Python object as pickle rebuilds one: {@code module.name.__new__()}, then {@code state} as its {@code __dict__}. */
    private record PyObject(String module, String name, Map<String, Object> state) {
    }

    /** Writes a {@link PyObject} with the opcodes Python's own pickler uses for it (protocol 2). */
    private static final IObjectPickler PY_OBJECT = (o, out, pickler) -> {
        PyObject p = (PyObject) o;
        out.write(GLOBAL);
        out.write((p.module() + "\n" + p.name() + "\n").getBytes(StandardCharsets.UTF_8));
        out.write(EMPTY_TUPLE);
        out.write(NEWOBJ);
        pickler.save(p.state());
        out.write(BUILD);
    };

    /** Pyrolite's pickler with {@link PyObject}s, without touching its process-wide registry. */
    private static final class SnapshotPickler extends Pickler {
        @Override
        protected IObjectPickler getCustomPickler(Class<?> t) {
            return t == PyObject.class ? PY_OBJECT : super.getCustomPickler(t);
        }
    }

    /** The key of a Python frame: its file and line. */
    private record FileLine(String filename, int lineno) {
    }

    static void write(Snapshot s, Path file) throws IOException {
        for (String key : s.attributes().keySet()) {
            if (SNAPSHOT_KEYS.contains(key)) {
                throw new IOException("the attribute '" + key + "' cannot be written in Python's snapshot format,"
                        + " where it is one of the snapshot's own");
            }
        }
        Map<FileLine, Object[]> frames = new HashMap<>();
        Map<Traceback, Object[]> tracebacks = new HashMap<>(); // by frames: a Traceback's equality
        List<Object> traces = new ArrayList<>(s.traces().size());
        for (Trace t : s.traces()) {
            Object[] frameTuple = tracebacks.computeIfAbsent(t.traceback(), tb -> {
                Object[] recentFirst = new Object[tb.size()];
                for (int i = 0; i < recentFirst.length; i++) {
                    Frame f = tb.get(tb.size() - 1 - i);
                    recentFirst[i] = frames.computeIfAbsent(new FileLine(f.filename(), f.lineno()),
                            k -> new Object[]{k.filename(), k.lineno()});
                }
                return recentFirst;
            });
            var total = t.traceback().totalNframe();
            // Python's format has no weight: a sampled trace is written as the bytes it stands for.
            traces.add(new Object[]{t.domain(), s.estimatedSize(t), frameTuple, total.isPresent() ? total.getAsInt() : null});
        }
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("traces", new PyObject(MODULE, TRACES, Map.of("_traces", traces)));
        state.put("traceback_limit", s.tracebackLimit());
        state.putAll(s.attributes());
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            new SnapshotPickler().dump(new PyObject(MODULE, SNAPSHOT, state), out);
        } catch (PickleException e) {
            throw new IOException("cannot write " + file + " as a pickle: " + e.getMessage(), e);
        }
    }

    /** Reads the pickle {@code in} holds, from its first byte. */
    static Snapshot read(Path file, InputStream in) throws IOException {
        Object o;
        try {
            o = new Unpickler().load(in);
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + " is a pickle that cannot be read: " + e.getMessage(), e);
        }
        try {
            return snapshot(o);
        } catch (IllegalArgumentException | ArithmeticException | ClassCastException e) {
            throw new IOException(file + " is a pickle but not of a tracemalloc snapshot: " + e.getMessage(), e);
        }
    }

    private static Snapshot snapshot(Object o) {
        Map<String, Object> snapshot = pyObject(o, SNAPSHOT);
        Map<String, Object> tracesObject = pyObject(snapshot.get("traces"), TRACES);
        List<?> rawTraces = sequence(tracesObject.get("_traces"), "_Traces._traces");
        Map<Object, Traceback> tracebacks = new IdentityHashMap<>();
        Map<FileLine, Frame> frames = new HashMap<>();
        List<Trace> traces = new ArrayList<>(rawTraces.size());
        for (Object raw : rawTraces) {
            List<?> trace = sequence(raw, "a trace");
            if (trace.size() != 3 && trace.size() != 4) {
                throw new IllegalArgumentException("a trace of " + trace.size() + " items, not (domain, size, traceback"
                        + ", total_nframe)");
            }
            Object total = trace.size() == 4 ? trace.get(3) : null;
            Object key = trace.get(2);
            Traceback tb = tracebacks.get(key);
            if (tb == null || tb.rawTotal() != (total == null ? -1 : integer(total, "total_nframe"))) {
                tb = traceback(key, total, frames);
                tracebacks.put(key, tb);
            }
            traces.add(new Trace(integer(trace.get(0), "domain"), number(trace.get(1), "size"), tb));
        }
        Map<String, String> attributes = new HashMap<>();
        snapshot.forEach((k, v) -> {
            if (!SNAPSHOT_KEYS.contains(k) && v instanceof String s) {
                attributes.put(k, s);
            }
        });
        return new Snapshot(traces, integer(snapshot.get("traceback_limit"), "traceback_limit"), attributes);
    }

    private static Traceback traceback(Object rawFrames, Object total, Map<FileLine, Frame> frames) {
        List<?> recentFirst = sequence(rawFrames, "a traceback");
        List<Frame> list = new ArrayList<>(recentFirst.size());
        for (Object raw : recentFirst) {
            List<?> frame = sequence(raw, "a frame");
            if (frame.size() != 2 || !(frame.get(0) instanceof String filename)) {
                throw new IllegalArgumentException("a frame that is not (filename, lineno)");
            }
            list.add(frames.computeIfAbsent(new FileLine(filename, integer(frame.get(1), "lineno")),
                    k -> Frame.of(k.filename(), k.lineno())));
        }
        return total == null ? Traceback.of(list) : Traceback.of(list, integer(total, "total_nframe"));
    }

    /** The {@code __dict__} of a pickled {@code tracemalloc.NAME}. */
    private static Map<String, Object> pyObject(Object o, String name) {
        if (o instanceof ClassDict d && d.getClassName().equals(MODULE + "." + name)) {
            return d;
        }
        throw new IllegalArgumentException("expected a " + MODULE + "." + name + ", found " + describe(o));
    }

    /** A tuple (Pyrolite's Object[]) or a list. */
    private static List<?> sequence(Object o, String what) {
        if (o instanceof Object[] a) {
            return Arrays.asList(a);
        }
        if (o instanceof List<?> l) {
            return l;
        }
        throw new IllegalArgumentException(what + " is " + describe(o) + ", not a tuple or a list");
    }

    private static long number(Object o, String what) {
        if (o instanceof Integer || o instanceof Long) {
            return ((Number) o).longValue();
        }
        if (o instanceof BigInteger b) {
            return b.longValueExact();
        }
        throw new IllegalArgumentException(what + " is " + describe(o) + ", not an int");
    }

    private static int integer(Object o, String what) {
        return Math.toIntExact(number(o, what));
    }

    private static String describe(Object o) {
        return o == null ? "None" : o instanceof ClassDict d ? "a " + d.getClassName() : "a " + o.getClass().getSimpleName();
    }
}
