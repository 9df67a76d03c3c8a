package io.pymem4j.reliability;

import io.pymem4j.api.InterpreterLock;
import io.pymem4j.pymalloc.Pymalloc;
import io.pymem4j.replay.ReplayEngine;
import io.pymem4j.replay.TraceFile;
import io.pymem4j.runtime.PyMemRuntime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run in a JVM of its own by {@link ReleaseTest}: replays the bundled trace through a stack
 * {@value #WARM_REPLAYS} times to bring the classes and the JIT's code in, once measured, then
 * {@value #MORE_REPLAYS} more times, and prints, as {@code key=value} words on one line, in
 * KiB: the resident set before the measured replay, its high-water mark during it, the
 * resident set after it and after the further replays, and pymalloc's arenas at their most
 * and after the measured and the further replays. Arguments: the stack name, the geometry
 * ("-" for the default), "gil" or "free", and optionally a trace file instead of the bundled
 * one.
 */
public final class ReleaseProbe {

    /**
     * Replays before the measured one. The JIT still grows the resident set noticeably in the
     * second and third replays of a fresh JVM, and by little a replay after that.
     */
    static final int WARM_REPLAYS = 3;
    /** Replays after the measured one: a leak of each replay adds up over them, the JIT's growth does not. */
    static final int MORE_REPLAYS = 4;

    private ReleaseProbe() {
    }

    public static void main(String[] args) throws IOException {
        PyMemRuntime.Builder b = PyMemRuntime.builder().allocator(args[0]).gil(args[2].equals("gil"));
        if (!args[1].equals("-")) {
            b.option("pymalloc.geometry", args[1]);
        }
        PyMemRuntime rt = b.build();
        TraceFile trace = args.length > 3 ? TraceFile.read(Path.of(args[3])) : TraceFile.bundled();
        ReplayEngine.replay(trace, rt, WARM_REPLAYS - 1, 1);
        long before = status("VmRSS");
        long arenasBefore = arenas(rt, false);
        // The replay resets the high-water mark to the resident set before its timed run.
        ReplayEngine.replay(trace, rt, 0, 1);
        long peak = status("VmHWM");
        long after = status("VmRSS");
        long arenasAfter = arenas(rt, false);
        ReplayEngine.replay(trace, rt, MORE_REPLAYS - 1, 1);
        long afterMore = status("VmRSS");
        System.out.println("before=" + before + " peak=" + peak + " after=" + after + " after_more=" + afterMore
                + " arenas_before=" + arenasBefore + " arenas_peak=" + arenas(rt, true) + " arenas_after=" + arenasAfter
                + " arenas_after_more=" + arenas(rt, false));
    }

    /** Arenas pymalloc holds once the calling thread has collected, or held at most; -1 without pymalloc. */
    private static long arenas(PyMemRuntime rt, boolean highwater) {
        InterpreterLock gil = rt.interpreterLock();
        if (gil != null) {
            gil.acquire();
        }
        try {
            return Pymalloc.find(rt).map(pm -> {
                pm.collect();
                return highwater ? pm.stats().arenasHighwater() : pm.stats().arenasAllocatedCurrent();
            }).orElse(-1L);
        } finally {
            if (gil != null) {
                gil.release();
            }
        }
    }

    /** A KiB line of /proc/self/status. */
    private static long status(String key) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(key + ":")) {
                return Long.parseLong(line.substring(key.length() + 1).strip().split("\\s+")[0]);
            }
        }
        throw new IOException("no " + key + " line in /proc/self/status");
    }
}
