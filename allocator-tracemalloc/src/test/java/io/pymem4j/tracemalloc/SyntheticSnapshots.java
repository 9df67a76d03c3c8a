package io.pymem4j.tracemalloc;

import java.util.ArrayList;
import java.util.List;

/** Python's {@code create_snapshots()} of test_tracemalloc.py, and its helpers. */
final class SyntheticSnapshots {

    private SyntheticSnapshots() {
    }

    static Frame f(String file, int line) {
        return Frame.of(file, line);
    }

    /** {@code traceback(*frames)}: frames most recent first. */
    static Traceback tb(Frame... mostRecentFirst) {
        return Traceback.of(mostRecentFirst);
    }

    static Traceback lineno(String file, int line) {
        return tb(f(file, line));
    }

    static Traceback filename(String file) {
        return lineno(file, 0);
    }

    static Trace trace(int domain, long size, int total, Frame... mostRecentFirst) {
        return new Trace(domain, size, Traceback.of(List.of(mostRecentFirst), total));
    }

    static List<Trace> rawTraces1() {
        List<Trace> t = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            t.add(trace(0, 10, 3, f("a.py", 2), f("b.py", 4)));
        }
        t.add(trace(1, 2, 3, f("a.py", 5), f("b.py", 4)));
        t.add(trace(2, 66, 1, f("b.py", 1)));
        t.add(trace(3, 7, 1, f("<unknown>", 0)));
        return t;
    }

    static List<Trace> rawTraces2() {
        List<Trace> t = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            t.add(trace(0, 10, 3, f("a.py", 2), f("b.py", 4)));
        }
        t.add(trace(2, 2, 3, f("a.py", 5), f("b.py", 4)));
        t.add(trace(2, 5000, 3, f("a.py", 5), f("b.py", 4)));
        t.add(trace(4, 400, 1, f("c.py", 578)));
        return t;
    }

    static Snapshot snapshot1() {
        return new Snapshot(rawTraces1(), 2);
    }

    static Snapshot snapshot2() {
        return new Snapshot(rawTraces2(), 2);
    }
}
