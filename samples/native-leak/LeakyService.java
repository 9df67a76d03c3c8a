import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.tracemalloc.Filter;
import io.pymem4j.tracemalloc.Frame;
import io.pymem4j.tracemalloc.Snapshot;
import io.pymem4j.tracemalloc.StatisticDiff;
import io.pymem4j.tracemalloc.TracedEstimate;
import io.pymem4j.tracemalloc.Tracemalloc;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A small "service" for docs/find-a-native-leak.md: it handles requests on pymem4j's default
 * runtime, and three of its call sites keep native blocks they should have freed. Run it with
 * sampled tracing on (-Dpymem4j.tracemalloc.sample=64k): it takes a snapshot after a warm-up
 * and another later, and prints what grew in between, beside what it really leaked.
 */
public final class LeakyService {

    private final PyMemRuntime rt = PyMemRuntime.getDefault();
    private final SplittableRandom random = new SplittableRandom(2026);
    /** Blocks a request keeps on purpose, and the leaks. */
    private final ArrayDeque<Long> recent = new ArrayDeque<>();
    private final List<Long> sessions = new ArrayList<>();
    private final List<Long> retried = new ArrayList<>();
    private final List<Long> headers = new ArrayList<>();
    private final long[] leaked = new long[3];

    public static void main(String[] args) throws Exception {
        LeakyService service = new LeakyService();
        Tracemalloc tm = Tracemalloc.of(service.rt);
        System.out.println("tracing: " + tm);
        service.serve(20_000);
        Snapshot before = tm.takeSnapshot();
        long[] leakedBefore = service.leaked.clone();
        service.serve(200_000);
        Snapshot after = tm.takeSnapshot();
        System.out.println("traced now: " + tm.getTracedMemoryEstimate().current().formatBytes() + " (95%)");
        System.out.println();
        System.out.println("[ Top 5 differences ]");
        List<StatisticDiff> diffs = after.compareTo(before, "lineno");
        for (StatisticDiff d : diffs.subList(0, Math.min(5, diffs.size()))) {
            System.out.println(d);
        }
        System.out.println();
        System.out.println("[ Growth of the top 3, with 95% intervals ]");
        for (StatisticDiff d : diffs.subList(0, Math.min(3, diffs.size()))) {
            Frame f = d.traceback().mostRecent();
            List<Filter> site = List.of(new Filter(true, f.filename(), f.lineno()));
            TracedEstimate now = after.filterTraces(site).sizeEstimate();
            TracedEstimate then = before.filterTraces(site).sizeEstimate();
            // Independent samples: the variances add.
            double error = Math.hypot(now.standardError(), then.standardError());
            System.out.println(new TracedEstimate(now.value() - then.value(), error).formatBytes() + "  " + f);
        }
        System.out.println();
        System.out.println("really leaked in between: cacheSession " + mib(service.leaked[0] - leakedBefore[0])
                + ", retryLater " + mib(service.leaked[1] - leakedBefore[1]) + ", parseHeaders "
                + mib(service.leaked[2] - leakedBefore[2]));
        if (args.length > 0 && args[0].equals("--wait")) {
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    private static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    void serve(int requests) {
        for (int i = 0; i < requests; i++) {
            long requestSize = 512 + random.nextInt(1024);
            long request = rt.memMalloc(requestSize);
            parseHeaders();
            long responseSize = 2048 + random.nextInt(8192);
            long response = render(responseSize);
            if (i % 50 == 0) {
                cacheSession();
            }
            if (i % 400 == 0) {
                retryLater(response, responseSize);
            } else {
                rt.memFree(response);
            }
            rt.memFree(request);
        }
    }

    /** Leaks one small block in 20: a header copy nobody frees. */
    private void parseHeaders() {
        long size = 48 + random.nextInt(32);
        long copy = rt.objectMalloc(size);
        if (random.nextInt(20) == 0) {
            headers.add(copy);
            leaked[2] += size;
        } else {
            rt.objectFree(copy);
        }
    }

    private long render(long size) {
        long body = rt.memMalloc(size);
        recent.add(rt.objectMalloc(64));
        if (recent.size() > 100) {
            rt.objectFree(recent.poll());
        }
        return body;
    }

    /** Leaks: a 4 KiB session record, never expired. */
    private void cacheSession() {
        sessions.add(rt.rawMalloc(4096));
        leaked[0] += 4096;
    }

    /** Leaks: a response kept for a retry that never comes. */
    private void retryLater(long response, long size) {
        retried.add(response);
        leaked[1] += size;
    }
}
