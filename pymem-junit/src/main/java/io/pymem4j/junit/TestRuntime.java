package io.pymem4j.junit;

import io.pymem4j.debug.DebugConfig;
import io.pymem4j.debug.DebugHook;
import io.pymem4j.debug.MemoryCorruptionError;
import io.pymem4j.runtime.ProviderRegistry;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.runtime.StackSpec;
import io.pymem4j.spi.AllocatorProvider;
import io.pymem4j.spi.BlockTracebacks;
import io.pymem4j.tracemalloc.Filter;
import io.pymem4j.tracemalloc.Frame;
import io.pymem4j.tracemalloc.Snapshot;
import io.pymem4j.tracemalloc.Statistic;
import io.pymem4j.tracemalloc.Traceback;
import io.pymem4j.tracemalloc.Tracemalloc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One runtime the extension made, with what it needs to judge each test that used it: the
 * recorder of debug reports, and where the test started (tracemalloc's traces are cleared,
 * the debug layer's live blocks counted).
 *
 * <pre>
 *   stack  = the annotation's stack (or pymem4j.junit.stack) + tracemalloc (traceback &gt; 0)
 *            + junit (the recorder); the quarantine on, Java frames in reports,
 *            the test framework's frames left out of tracebacks
 *   begin  : drain the recorder, clear traces, count live blocks
 *   check  : flush the quarantine; check every live block's pads (PyMemRuntime.check);
 *            the reports not already thrown at the test;
 *            the traces left (minus expected and allowed ones) by traceback, or the live count
 *   close  : (per-test runtimes) give pymalloc's arenas back when no block is left
 * </pre>
 */
final class TestRuntime implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TestRuntime.class);
    /** The most traceback groups a leak message lists. */
    static final int MAX_GROUPS = 20;
    /**
     * The debug layer's quarantine in a test runtime unless the test's options set one: freed
     * blocks held back, so that a write after free is found when the test ends.
     */
    static final String QUARANTINE = "1m";
    /**
     * The classes whose frames tracebacks leave out (with the JDK frames only they call): the
     * test frameworks and build tools that call a test, so that the traceback limit counts the
     * frames of the code under test.
     */
    static final List<String> FRAMEWORK_FRAMES = List.of("org.junit.", "junit.", "org.opentest4j.",
            "org.apache.maven.surefire.", "org.apache.maven.plugin.surefire.", "org.gradle.", "worker.org.gradle.",
            "com.intellij.rt.", "com.intellij.junit", "org.eclipse.jdt.internal.junit");

    /** What makes two runtimes the same, so that SUITE scope can share them. */
    record Key(String stack, int traceback, SortedMap<String, String> options) {
        Key {
            options = new TreeMap<>(options);
        }
    }

    private static final Traceback NOWHERE = Traceback.of(List.of());
    private static volatile ProviderRegistry registry;

    final PyMemRuntime runtime;
    final Key key;
    private final ReportRecorder recorder;
    private final boolean perTest;
    private int liveAtStart;
    /** Whether the last check saw blocks still live; true until a check says otherwise. */
    private boolean leftBlocks = true;

    private TestRuntime(PyMemRuntime runtime, Key key, boolean perTest) {
        this.runtime = runtime;
        this.key = key;
        this.perTest = perTest;
        this.recorder = runtime.findHook(ReportRecorder.class).orElseThrow();
        begin();
    }

    /** The providers of the class path plus the recorder, which only test runtimes have. */
    static ProviderRegistry registry() {
        ProviderRegistry r = registry;
        if (r == null) {
            synchronized (TestRuntime.class) {
                r = registry;
                if (r == null) {
                    List<AllocatorProvider> providers = new ArrayList<>(ProviderRegistry.getDefault().providers().values());
                    providers.add(new ReportRecorder.Provider());
                    r = ProviderRegistry.of(providers);
                    registry = r;
                }
            }
        }
        return r;
    }

    /**
     * Builds the runtime of {@code key}: its stack with tracemalloc (started from the first
     * allocation) and the recorder on top, the debug layer throwing unless the options say
     * otherwise.
     */
    static TestRuntime create(Key key, boolean perTest) {
        ProviderRegistry reg = registry();
        StackSpec spec = StackSpec.parse(key.stack(), reg);
        if (key.traceback() > 0 && !spec.hasHook(Tracemalloc.NAME)) {
            spec = spec.withHook(Tracemalloc.NAME);
        }
        spec = spec.withHook(ReportRecorder.NAME);
        PyMemRuntime.Builder b = PyMemRuntime.builder().registry(reg).allocator(spec.name())
                .option(DebugConfig.POLICY, "throw")
                .option(DebugConfig.QUARANTINE_BYTES, QUARANTINE)
                .option(DebugConfig.FRAMES, "java");
        if (key.traceback() > 0) {
            b.option(Tracemalloc.OPTION, Integer.toString(key.traceback()));
        }
        key.options().forEach(b::option);
        PyMemRuntime rt = b.build();
        if (key.traceback() > 0) {
            Tracemalloc.of(rt).hideFrames(FRAMEWORK_FRAMES);
        }
        log.debug("test runtime {}", rt.currentAllocatorName());
        return new TestRuntime(rt, key, perTest);
    }

    /** A test starts: what happens from here on is its doing. */
    void begin() {
        recorder.drain();
        if (tracing()) {
            tracemalloc().clearTraces();
        }
        liveAtStart = debug().map(DebugHook::liveBlocks).orElse(0);
    }

    private boolean tracing() {
        return runtime.stackSpec().hasHook(Tracemalloc.NAME) && tracemalloc().isTracing();
    }

    Tracemalloc tracemalloc() {
        return Tracemalloc.of(runtime);
    }

    private Optional<DebugHook> debug() {
        return DebugHook.of(runtime);
    }

    /**
     * Judges the test that just ran.
     *
     * @param rules       the test's annotation
     * @param testFailure what the test threw, or null; a report it carries is not repeated
     * @return the failure message, or null when the test corrupted and leaked nothing
     */
    String check(PyMemTest rules, Throwable testFailure) {
        List<MemoryCorruptionError> reports = new ArrayList<>(recorder.drain());
        debug().ifPresent(d -> {
            try {
                d.flushQuarantine();
            } catch (MemoryCorruptionError e) {
                addWithSuppressed(reports, e);
            }
        });
        int damaged;
        int before = reports.size();
        try {
            damaged = runtime.check();
        } catch (MemoryCorruptionError e) {
            addWithSuppressed(reports, e);
            damaged = reports.size() - before;
        }
        Set<Throwable> thrown = causes(testFailure);
        reports.removeIf(thrown::contains);
        List<String> parts = new ArrayList<>();
        if (!reports.isEmpty()) {
            if (rules.allowCorruption()) {
                log.debug("{} debug report(s) allowed by allowCorruption", reports.size());
            } else {
                parts.add(corruptionMessage(reports));
            }
        }
        String leaks = leakMessage(rules, damaged);
        if (leaks != null) {
            if (rules.allowLeaks()) {
                log.warn("{}", leaks);
            } else {
                parts.add(leaks);
            }
        }
        return parts.isEmpty() ? null : String.join("\n", parts);
    }

    /** {@code e} and the reports suppressed in it (a check that found several blocks throws the first). */
    private static void addWithSuppressed(List<MemoryCorruptionError> reports, MemoryCorruptionError e) {
        reports.add(e);
        for (Throwable s : e.getSuppressed()) {
            if (s instanceof MemoryCorruptionError m) {
                reports.add(m);
            }
        }
    }

    private static Set<Throwable> causes(Throwable t) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable c = t; c != null && seen.add(c); c = c.getCause()) {
            for (Throwable s : c.getSuppressed()) {
                seen.add(s);
            }
        }
        return seen;
    }

    private static String corruptionMessage(List<MemoryCorruptionError> reports) {
        StringBuilder sb = new StringBuilder("memory corruption: the debug layer made ")
                .append(reports.size() == 1 ? "1 report" : reports.size() + " reports")
                .append(" during the test that the test did not throw:\n");
        for (int i = 0; i < reports.size(); i++) {
            if (i > 0) {
                sb.append('\n');
            }
            sb.append(reports.get(i).report());
        }
        return sb.toString();
    }

    /**
     * The leak part of the message, or null; remembers whether any block was left at all.
     * {@code damaged} blocks failed the check of live blocks: they are leaks the debug
     * layer no longer counts as live.
     */
    private String leakMessage(PyMemTest rules, int damaged) {
        if (tracing()) {
            Snapshot all = tracemalloc().takeSnapshot();
            leftBlocks = !all.traces().isEmpty();
            Snapshot leaks = all.withoutExpected();
            if (rules.allowLeaksFrom().length > 0) {
                List<Filter> known = new ArrayList<>();
                for (String pattern : rules.allowLeaksFrom()) {
                    known.add(Filter.exclude(pattern).withAllFrames(true));
                }
                leaks = leaks.filterTraces(known);
            }
            return leaks.traces().isEmpty() ? null : tracedLeaks(leaks);
        }
        Optional<DebugHook> d = debug();
        if (d.isEmpty()) {
            leftBlocks = true; // nothing counts blocks: assume some are left
            return null;
        }
        int leaked = d.get().liveBlocks() + damaged - liveAtStart;
        leftBlocks = d.get().liveBlocks() + damaged > 0;
        if (leaked <= 0) {
            return null;
        }
        return "memory leak: " + (leaked == 1 ? "1 block" : leaked + " blocks") + " allocated during the test"
                + (leaked == 1 ? " was" : " were") + " not freed (counted by the debug layer; traceback > 0 shows where)";
    }

    private static String tracedLeaks(Snapshot leaks) {
        List<Statistic> groups = leaks.statistics("traceback");
        long size = 0;
        long count = 0;
        for (Statistic s : groups) {
            size += s.size();
            count += s.count();
        }
        StringBuilder sb = new StringBuilder("memory leak: blocks allocated during the test were not freed: ")
                .append(figures(size, count))
                .append("; by traceback (tracemalloc statistics), largest first:");
        int shown = Math.min(groups.size(), MAX_GROUPS);
        for (int i = 0; i < shown; i++) {
            Statistic s = groups.get(i);
            sb.append("\n#").append(i + 1).append(": ").append(figures(s.size(), s.count()));
            for (String line : javaLines(s.traceback())) {
                sb.append('\n').append(line);
            }
        }
        if (groups.size() > shown) {
            long moreSize = 0;
            long moreCount = 0;
            for (Statistic s : groups.subList(shown, groups.size())) {
                moreSize += s.size();
                moreCount += s.count();
            }
            sb.append("\n... and ").append(groups.size() - shown).append(" more tracebacks: ").append(figures(moreSize, moreCount));
        }
        return sb.toString();
    }

    /**
     * The frames of {@code tb}, most recent first, as Java prints stack trace elements
     * ({@code   at com.example.BufferTest.leaks(BufferTest.java:25)}), which IDEs and CI logs
     * link to the source; a frame without a Java method keeps tracemalloc's form.
     */
    static List<String> javaLines(Traceback tb) {
        List<String> lines = new ArrayList<>(tb.size());
        for (int i = tb.size() - 1; i >= 0; i--) {
            Frame f = tb.get(i);
            String java = new BlockTracebacks.SourceLine(f.filename(), f.lineno(), f.className(), f.methodName()).javaForm();
            lines.add(java != null ? "  at " + java : "  File \"" + f.filename() + "\", line " + f.lineno());
        }
        return lines;
    }

    /** tracemalloc's own wording of a size and a count: {@code size=228 B, count=3, average=76 B}. */
    static String figures(long size, long count) {
        String s = new Statistic(NOWHERE, size, count).toString();
        return s.substring(s.indexOf("size="));
    }

    /** True when {@link #close()} gives pymalloc's arenas back: a per-test runtime whose last check saw no block left. */
    boolean releasesArenasOnClose() {
        return perTest && !leftBlocks;
    }

    /**
     * Closes a per-test runtime once it is done ({@link PyMemRuntime#close()}: pymalloc's arenas,
     * the debug layer's table, tracemalloc's traces go back), if no block can still point into
     * its memory.
     */
    @Override
    public void close() {
        if (releasesArenasOnClose()) {
            runtime.close();
            log.debug("closed the runtime {}", runtime.currentAllocatorName());
        }
    }

    @Override
    public String toString() {
        return runtime.currentAllocatorName();
    }

    static Map<String, String> parseOptions(String[] options) {
        Map<String, String> out = new TreeMap<>();
        for (String o : options) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("@PyMemTest option '" + o + "' is not key=value");
            }
            out.put(o.substring(0, eq).strip(), o.substring(eq + 1).strip());
        }
        return out;
    }
}
