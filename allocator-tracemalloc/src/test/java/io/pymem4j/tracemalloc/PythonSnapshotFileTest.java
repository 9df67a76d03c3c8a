package io.pymem4j.tracemalloc;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.pymem4j.tracemalloc.SyntheticSnapshots.f;
import static io.pymem4j.tracemalloc.SyntheticSnapshots.snapshot2;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * CPython's snapshot file (a pickle): written here and opened by the real {@code python3}'s
 * {@code tracemalloc.Snapshot.load()}, and the other way round. The python3 tests are
 * skipped, with a message, where no python3 (3.9 or newer) is on the PATH.
 */
class PythonSnapshotFileTest {

    /** Prints what a Python user sees of a loaded snapshot: its limit, attribute, statistics and traces. */
    private static final String PRINT_SNAPSHOT = String.join("\n",
            "def show(s):",
            "    print(s.traceback_limit, getattr(s, 'test_attr', None))",
            "    for st in s.statistics('traceback'):",
            "        print(repr(st))",
            "    for st in s.statistics('lineno', cumulative=True):",
            "        print(st)",
            "    for t in s.traces:",
            "        print(repr(t))");

    @TempDir
    Path dir;

    @Test
    void aPickleRoundTripKeepsTracesTotalsLimitAndAttributes() throws IOException {
        Snapshot s = snapshot2().withAttribute("test_attr", "new");
        Path file = dir.resolve("snapshot.pickle");
        s.dump(file, SnapshotFormat.PICKLE);

        Snapshot loaded = Snapshot.load(file);
        assertEquals(s.traces(), loaded.traces());
        assertEquals(2, loaded.tracebackLimit());
        assertEquals("new", loaded.attributes().get("test_attr"));
        assertEquals(3, loaded.traces().get(0).traceback().totalNframe().getAsInt());
        assertSame(loaded.traces().get(0).traceback(), loaded.traces().get(2).traceback(), "tracebacks shared");
    }

    @Test
    void aSampledSnapshotIsPickledWithEachTracesEstimatedSize() throws IOException {
        Frame frame = new Frame("io/app/Cache.java", 42, "io.app.Cache", "fill");
        Trace sampled = new Trace(1, 64, Traceback.of(frame), false);
        Snapshot s = new Snapshot(List.of(sampled), 1, 512 * 1024, java.util.Map.of());
        Path file = dir.resolve("sampled.pickle");
        s.dump(file, SnapshotFormat.PICKLE);

        assertEquals(s.estimatedSize(sampled), Snapshot.load(file).traces().get(0).size());
    }

    @Test
    void aPickleKeepsFileAndLineOfJavaFramesAndAnUnknownTotal() throws IOException {
        Frame java = new Frame("io/app/Cache.java", 42, "io.app.Cache", "fill");
        Snapshot s = new Snapshot(List.of(new Trace(1, 64, Traceback.of(java), true)), 1);
        Path file = dir.resolve("snapshot.pickle");
        s.dump(file, SnapshotFormat.PICKLE);

        Trace t = Snapshot.load(file).traces().get(0);
        assertEquals(new Trace(1, 64, Traceback.of(f("io/app/Cache.java", 42))), t);
        assertTrue(t.traceback().totalNframe().isEmpty());
    }

    @Test
    void anAttributeNamedAsPythonsOwnIsRefusedForAPickle() {
        Snapshot s = snapshot2().withAttribute("traces", "x");
        var e = assertThrows(IOException.class, () -> s.dump(dir.resolve("s.pickle"), SnapshotFormat.PICKLE));
        assertEquals("the attribute 'traces' cannot be written in Python's snapshot format, where it is one of the"
                + " snapshot's own", e.getMessage());
    }

    @Test
    void aPickleOfSomethingElseIsRefusedAndRunsNothing() throws Exception {
        Path marker = dir.resolve("ran");
        Path file = dir.resolve("evil.pickle");
        // What pickle.dumps writes for an object whose __reduce__ is (os.system, ('touch ...',)).
        byte[] command = ("touch " + marker).getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream evil = new ByteArrayOutputStream();
        evil.writeBytes(new byte[]{(byte) 0x80, 2});                              // PROTO 2
        evil.writeBytes("cposix\nsystem\n".getBytes(StandardCharsets.US_ASCII));  // GLOBAL posix.system
        evil.write('X');                                                         // BINUNICODE
        evil.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(command.length).array());
        evil.writeBytes(command);
        evil.writeBytes(new byte[]{(byte) 0x85, 'R', '.'});                      // TUPLE1, REDUCE, STOP
        Files.write(file, evil.toByteArray());

        var e = assertThrows(IOException.class, () -> Snapshot.load(file));
        assertTrue(e.getMessage().startsWith(file + " is a pickle"), e.getMessage());
        assertTrue(Files.notExists(marker), "nothing the pickle names was run");
    }

    @Test
    void aSnapshotWrittenInJavaOpensInPythonsTracemalloc() throws Exception {
        String python = python3();
        Snapshot s = snapshot2().withAttribute("test_attr", "new");
        Path file = dir.resolve("java.pickle");
        s.dump(file, SnapshotFormat.PICKLE);

        List<String> expected = new ArrayList<>(List.of("2 new"));
        s.statistics("traceback").forEach(st -> expected.add(st.repr()));
        s.statistics("lineno", true).forEach(st -> expected.add(st.toString()));
        s.traces().forEach(t -> expected.add(t.repr()));
        assertEquals(expected, run(python, PRINT_SNAPSHOT + "\nimport sys, tracemalloc\nshow(tracemalloc.Snapshot.load(sys.argv[1]))",
                file.toString()));
    }

    @Test
    void aSnapshotPythonDumpedLoadsHereWithTheSameStatistics() throws Exception {
        String python = python3();
        Path file = dir.resolve("python.pickle");
        // test_tracemalloc's second snapshot, with an attribute, and a real one of this python3.
        List<String> printed = run(python, PRINT_SNAPSHOT + "\n" + String.join("\n",
                "import sys, tracemalloc",
                "raw = [(0, 10, (('a.py', 2), ('b.py', 4)), 3)] * 3 + [(2, 2, (('a.py', 5), ('b.py', 4)), 3),",
                "       (2, 5000, (('a.py', 5), ('b.py', 4)), 3), (4, 400, (('c.py', 578),), 1)]",
                "s = tracemalloc.Snapshot(raw, 2)",
                "s.test_attr = 'new'",
                "s.dump(sys.argv[1])",
                "show(s)",
                "tracemalloc.start(5)",
                "keep = [bytearray(1000) for _ in range(10)]",
                "real = tracemalloc.take_snapshot()",
                "tracemalloc.stop()",
                "real.dump(sys.argv[1] + '.real')",
                "print(len(real.traces), sum(t.size for t in real.traces), real.traceback_limit)",
                "print(repr(real.statistics('traceback')[0]))"), file.toString());

        Snapshot s = Snapshot.load(file);
        List<String> mine = new ArrayList<>(List.of(s.tracebackLimit() + " " + s.attributes().get("test_attr")));
        s.statistics("traceback").forEach(st -> mine.add(st.repr()));
        s.statistics("lineno", true).forEach(st -> mine.add(st.toString()));
        s.traces().forEach(t -> mine.add(t.repr()));
        assertEquals(printed.subList(0, mine.size()), mine);

        Snapshot real = Snapshot.load(Path.of(file + ".real"));
        assertEquals(printed.get(mine.size()), real.traces().size() + " "
                + real.traces().stream().mapToLong(Trace::size).sum() + " " + real.tracebackLimit());
        assertEquals(printed.get(mine.size() + 1), real.statistics("traceback").get(0).repr());
    }

    /** python3 on the PATH, 3.9 or newer (traces with total_nframe), or the test is skipped. */
    private static String python3() throws InterruptedException {
        String version;
        try {
            Process p = new ProcessBuilder("python3", "-c", "import sys; print(sys.version_info >= (3, 9))")
                    .redirectErrorStream(true).start();
            version = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            p.waitFor(1, TimeUnit.MINUTES);
        } catch (IOException e) {
            version = "missing: " + e.getMessage();
        }
        assumeTrue(version.equals("True"), "no python3 3.9+ on the PATH (" + version + "): the round trips with Python's"
                + " tracemalloc are skipped");
        return "python3";
    }

    /** Runs {@code python -c code args}; its stdout's lines, or the test fails with its stderr. */
    private List<String> run(String python, String code, String... args) throws Exception {
        Path err = dir.resolve("python-stderr.txt");
        List<String> command = new ArrayList<>(List.of(python, "-c", code));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "python3 ended");
        assertEquals(0, p.exitValue(), () -> "python3 failed:\n" + readQuietly(err));
        return out.lines().toList();
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
