package io.pymem4j.bench;

import org.junit.jupiter.api.Test;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Which benchmarks a run selects, from the BenchmarkList JMH's annotation processor wrote. */
class JmhSuiteTest {

    private static Set<String> selected(String include) {
        Set<String> names = new TreeSet<>();
        for (BenchmarkListEntry e : BenchmarkList.defaultList().find(
                OutputFormatFactory.createFormatInstance(new PrintStream(PrintStream.nullOutputStream()), VerboseMode.SILENT),
                List.of(include), List.of())) {
            names.add(e.getUsername().substring("io.pymem4j.bench.".length()));
        }
        return names;
    }

    @Test
    void stacksAndAPeerSelectTheirMethodsOfTheChosenSuites() {
        String include = JmhSuite.include(List.of(JmhSuite.Suite.PAIR, JmhSuite.Suite.TWO_THREAD), true,
                List.of(Peer.FFM_GLIBC));
        assertEquals(Set.of("PairBenchmark.stack", "PairBenchmark.ffmGlibc", "TwoThreadBenchmark.stackLocal",
                "TwoThreadBenchmark.stackCross", "TwoThreadBenchmark.stackSolo", "TwoThreadBenchmark.ffmGlibcLocal",
                "TwoThreadBenchmark.ffmGlibcCross", "TwoThreadBenchmark.ffmGlibcSolo"),
                selected(include));
    }

    @Test
    void everyPeerHasABenchmarkInEverySuiteItCanRun() {
        String include = JmhSuite.include(List.of(JmhSuite.Suite.values()), false, List.of(Peer.values()));
        // 10 peers in pair, mixed, realloc (less arena-shared) and two-thread local, 9 cross and solo (no confined arena).
        assertEquals(10 + 10 + 9 + 10 + 9 + 9, selected(include).size());
    }

    @Test
    void noStacksAndNoPeersSelectNothing() {
        assertEquals(Set.of(), selected(JmhSuite.include(List.of(JmhSuite.Suite.values()), false, List.of())));
    }

    @Test
    void theCountMultipliesStacksAndPairSizes() {
        String include = JmhSuite.include(List.of(JmhSuite.Suite.PAIR, JmhSuite.Suite.MIXED), true, List.of(Peer.UNSAFE));
        // pair: (2 stacks + unsafe) x 5 sizes; mixed: 2 stacks + unsafe.
        assertEquals(15 + 3, JmhSuite.count(include, 2, 0));
    }

    @Test
    void givenSizesReplaceEachSuitesOwnInTheCount() {
        String include = JmhSuite.include(List.of(JmhSuite.Suite.PAIR, JmhSuite.Suite.TWO_THREAD, JmhSuite.Suite.MIXED),
                true, List.of());
        // pair and two-thread's three variants at 2 sizes, mixed (no size) once; 3 stacks each.
        assertEquals(3 * 2 + 3 * 3 * 2 + 3, JmhSuite.count(include, 3, 2));
    }

    @Test
    void theOptionsCarryTheStacksTheSettingsAndTheJsonFile() {
        Options o = JmhSuite.options(List.of(JmhSuite.Suite.PAIR), List.of("pymalloc", "malloc"), List.of(),
                JmhSuite.Settings.SHORT, Path.of("out.json"));
        assertEquals(List.of("pymalloc", "malloc"), List.copyOf(o.getParameter("stack").get()));
        assertEquals(1, o.getForkCount().get());
        assertEquals(3, o.getMeasurementIterations().get());
        assertEquals("out.json", o.getResult().get());
        assertEquals(JmhSuite.FORK_OPTIONS, List.copyOf(o.getJvmArgs().get()));
        assertFalse(o.getParameter("size").hasValue(), "each suite keeps its own sizes");
    }

    @Test
    void forksAndSizesOverTheSettingsReachTheOptions() {
        JmhSuite.Settings s = JmhSuite.Settings.SHORT.withForks(3).withSizes(List.of(64, 256));
        Options o = JmhSuite.options(List.of(JmhSuite.Suite.PAIR), List.of("pymalloc"), List.of(), s, Path.of("out.json"));
        assertEquals(3, o.getForkCount().get());
        assertEquals(3, o.getWarmupIterations().get());
        assertEquals(List.of("64", "256"), List.copyOf(o.getParameter("size").get()));
    }

    @Test
    void theHostParsesTheSettingsItWasGiven() {
        JmhSuite.Settings s = JmhSuite.Settings.LONG.withForks(2).withSizes(List.of(64));
        List<String> args = s.arguments();
        Map<String, String> parsed = new HashMap<>();
        for (int i = 0; i < args.size(); i += 2) {
            parsed.put(args.get(i), args.get(i + 1));
        }
        assertEquals(s, JmhSuite.Settings.parse(parsed));
    }

    @Test
    void theSettingsDescribeThemselvesForTheReport() {
        assertEquals("1 fork, 3 warm-up and 3 measured iterations of 200 ms", JmhSuite.Settings.SHORT.describe());
        assertEquals("3 forks, 5 warm-up and 5 measured iterations of 1 s, sizes 64,512",
                JmhSuite.Settings.LONG.withSizes(List.of(64, 512)).describe());
    }

    @Test
    void aForkCountBelowOneIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JmhSuite.Settings.SHORT.withForks(0));
        assertEquals("JMH forks must be 1 or more, not 0", e.getMessage());
    }
}
