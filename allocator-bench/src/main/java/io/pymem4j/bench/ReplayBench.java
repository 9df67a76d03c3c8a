package io.pymem4j.bench;

import io.pymem4j.replay.ReplayEngine;
import io.pymem4j.replay.TraceFile;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs one trace replay of a stack or peer in a child JVM ({@link ReplayWorker}) and reads
 * its figures back. The child gets the peer's environment (jemalloc's glibc tunable), the
 * engine's {@link ReplayEngine#JVM_OPTIONS} and a 2 GiB heap (a decoded trace is 16 bytes an
 * event, json's 133 MB).
 */
public final class ReplayBench {

    /** The child's heap. */
    public static final String HEAP = "-Xmx2g";

    private ReplayBench() {
    }

    /**
     * Replays {@code trace} (a file, or null for the bundled trace) through {@code target}.
     * A child that fails gives figures with the reason and the end of its stderr as the note.
     */
    public static ReplayFigures run(Path trace, ReplayFigures.Kind kind, String target, int warmup, int runs) {
        String traceArg = trace == null ? ReplayWorker.BUNDLED : trace.toAbsolutePath().toString();
        String traceName = trace == null ? TraceFile.BUNDLED.replace(".pymt", "")
                : trace.getFileName().toString().replaceFirst("\\.pymt$", "");
        Map<String, String> env = kind == ReplayFigures.Kind.PEER && Peer.labels().contains(target)
                ? Peer.of(target).environment() : Map.of();
        List<String> options = new ArrayList<>(ReplayEngine.JVM_OPTIONS);
        options.add(HEAP);
        ProcessBuilder pb = ChildJvm.builder(options, ReplayWorker.class,
                ReplayWorker.args(traceArg, kind, target, warmup, runs), env);
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Thread errPump = Thread.ofVirtual().start(() -> copy(p.getErrorStream(), err));
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int status = p.waitFor();
            errPump.join();
            for (String line : out.lines().toList()) {
                if (line.startsWith(ReplayFigures.LINE_TAG + " ")) {
                    return ReplayFigures.parseLine(line);
                }
            }
            return ReplayFigures.notRun(traceName, target, kind, "the replay JVM exited with status " + status
                    + " and no result: " + tail(err.toString(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            return ReplayFigures.notRun(traceName, target, kind, "cannot start the replay JVM: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ReplayFigures.notRun(traceName, target, kind, "interrupted");
        }
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try {
            in.transferTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The last non-blank lines of a child's stderr, on one line, for a note. */
    static String tail(String err) {
        List<String> lines = err.lines().filter(l -> !l.isBlank()).toList();
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size())).strip();
    }
}
