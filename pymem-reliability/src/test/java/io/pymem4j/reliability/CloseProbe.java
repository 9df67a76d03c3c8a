package io.pymem4j.reliability;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.runtime.PyMemRuntime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run in a JVM of its own by {@link CloseReleaseTest}: makes, uses and closes runtimes of one
 * stack, {@value #WARM} to bring the classes and the JIT's code in, then the number asked for,
 * and prints, as {@code key=value} words on one line, the resident set and the address space
 * (KiB) before and after those. Each runtime allocates blocks of every size class and larger
 * ones in every domain, frees them, and leaves a few small ones live, which its close reports.
 * Arguments: the stack name and the number of runtimes.
 */
public final class CloseProbe {

    /** Runtimes made and closed before the measured ones. */
    static final int WARM = 50;
    /** Small blocks each runtime leaves live when it closes. */
    static final int LEFT_LIVE = 10;

    private CloseProbe() {
    }

    public static void main(String[] args) throws IOException {
        String stack = args[0];
        int n = Integer.parseInt(args[1]);
        run(stack, WARM);
        System.gc();
        long rssBefore = status("VmRSS");
        long sizeBefore = status("VmSize");
        run(stack, n);
        System.gc();
        System.out.println("rss_before=" + rssBefore + " rss_after=" + status("VmRSS") + " size_before=" + sizeBefore
                + " size_after=" + status("VmSize"));
    }

    private static void run(String stack, int runtimes) {
        long[] blocks = new long[3000];
        for (int r = 0; r < runtimes; r++) {
            PyMemRuntime rt = PyMemRuntime.create(stack);
            for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
                for (int i = 0; i < blocks.length; i++) {
                    blocks[i] = rt.malloc(d, i % 100 == 0 ? 4096 : 1 + i % 512);
                }
                for (int i = d == PyMemAllocatorDomain.OBJ ? LEFT_LIVE : 0; i < blocks.length; i++) {
                    rt.free(d, blocks[i]);
                }
            }
            rt.close();
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
