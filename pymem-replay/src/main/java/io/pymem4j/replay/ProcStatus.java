package io.pymem4j.replay;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/** The process's resident set size, from Linux procfs; elsewhere every figure is unknown (-1). */
final class ProcStatus {

    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");
    private static final Path STATM = Path.of("/proc/self/statm");

    private ProcStatus() {
    }

    /** A {@code kB} line of /proc/self/status such as VmRSS or VmHWM, in KiB, or -1. */
    static long kib(String key) {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(key + ":")) {
                    String value = line.substring(key.length() + 1).strip();
                    int space = value.indexOf(' ');
                    return Long.parseLong(space < 0 ? value : value.substring(0, space));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /**
     * Waits, at most {@code maxMillis}, until the resident set holds still (within 256 pages
     * over 100 ms): after a {@code System.gc()} G1 gives heap pages back concurrently, and a
     * base RSS read while it does so is above the peak that follows. Reads the one short
     * line of {@code /proc/self/statm}, so that waiting allocates next to nothing.
     */
    static void settle(long maxMillis) {
        long deadline = System.nanoTime() + maxMillis * 1_000_000;
        long last = residentPages();
        while (last >= 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long now = residentPages();
            if (Math.abs(now - last) < 256) {
                return;
            }
            last = now;
        }
    }

    /** The second field of /proc/self/statm (resident pages), or -1; read into a small buffer, no string. */
    private static long residentPages() {
        ByteBuffer line = ByteBuffer.allocate(128);
        try (FileChannel ch = FileChannel.open(STATM)) {
            ch.read(line);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        int i = 0;
        int n = line.position();
        while (i < n && line.get(i) != ' ') {
            i++;
        }
        long pages = 0;
        boolean digits = false;
        for (i++; i < n && line.get(i) >= '0' && line.get(i) <= '9'; i++) {
            pages = pages * 10 + (line.get(i) - '0');
            digits = true;
        }
        return digits ? pages : -1;
    }

    /** Resets VmHWM to the current RSS (clear_refs 5, as the C replayer does); false where it cannot. */
    static boolean resetPeak() {
        try {
            Files.writeString(CLEAR_REFS, "5");
            return true;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }
}
