package io.pymem4j.tracemalloc;

import io.pymem4j.runtime.PyMemRuntime;

import java.util.Arrays;
import java.util.Locale;

/**
 * What tracing costs a 64-byte {@code malloc} + {@code free} pair: a quick harness, not a
 * test and not JMH. Four runtimes side by side in one JVM, each called 45 frames deep: the
 * stack without the layer, the layer installed but idle, tracing with 1 frame and with 10.
 * The variants alternate round by round so that a machine shared with other work slows
 * them alike; it prints the median and the fastest round of each, and their ratios to the
 * stack without the layer.
 *
 * <pre>
 *   mvn -q -f allocator-tracemalloc/pom.xml test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/tm.cp
 *   java --enable-native-access=ALL-UNNAMED \
 *        -cp allocator-tracemalloc/target/test-classes:allocator-tracemalloc/target/classes:$(cat /tmp/tm.cp) \
 *        io.pymem4j.tracemalloc.CaptureCost [backend=malloc] [rounds=25]
 * </pre>
 */
public final class CaptureCost {

    private static final int DEPTH = 45;

    private interface Body {
        long run();
    }

    private CaptureCost() {
    }

    public static void main(String[] args) {
        String backend = args.length > 0 ? args[0] : "malloc";
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 25;
        PyMemRuntime plain = PyMemRuntime.create(backend);
        PyMemRuntime idle = PyMemRuntime.create(backend + "+tracemalloc");
        PyMemRuntime one = PyMemRuntime.create(backend + "+tracemalloc");
        Tracemalloc.of(one).start(1);
        PyMemRuntime ten = PyMemRuntime.create(backend + "+tracemalloc");
        Tracemalloc.of(ten).start(10);
        PyMemRuntime[] runtimes = {plain, idle, one, ten};
        String[] names = {backend, backend + "+tracemalloc, idle", "tracing 1 frame", "tracing 10 frames"};
        int[] pairs = {1_000_000, 1_000_000, 30_000, 15_000};
        double[][] ns = new double[runtimes.length][rounds];
        for (int r = -2; r < rounds; r++) { // two rounds of warm-up
            for (int v = 0; v < runtimes.length; v++) {
                PyMemRuntime rt = runtimes[v];
                int n = pairs[v];
                Body body = () -> {
                    long start = System.nanoTime();
                    for (int i = 0; i < n; i++) {
                        rt.objectFree(rt.objectMalloc(64));
                    }
                    return System.nanoTime() - start;
                };
                long elapsed = deep(DEPTH, body) - DEPTH;
                if (r >= 0) {
                    ns[v][r] = (double) elapsed / n;
                }
            }
        }
        double base = median(ns[0]);
        double baseMin = Arrays.stream(ns[0]).min().orElseThrow();
        System.out.printf(Locale.ROOT, "64-byte pair, %d frames deep, %d rounds; ns per pair%n", DEPTH, rounds);
        for (int v = 0; v < runtimes.length; v++) {
            double med = median(ns[v]);
            double min = Arrays.stream(ns[v]).min().orElseThrow();
            System.out.printf(Locale.ROOT, "%-28s median %9.1f  min %9.1f   ratio median %7.3f  min %7.3f%n", names[v],
                    med, min, med / base, min / baseMin);
        }
    }

    /** Calls {@code body} {@code depth} frames down; adds {@code depth} to its result so the frames are not elided. */
    private static long deep(int depth, Body body) {
        return depth == 0 ? body.run() : deep(depth - 1, body) + 1;
    }

    private static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
