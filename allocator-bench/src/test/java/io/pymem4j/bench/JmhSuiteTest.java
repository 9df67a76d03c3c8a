package io.pymem4j.bench;

import org.junit.jupiter.api.Test;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
        assertEquals(15 + 3, JmhSuite.count(include, 2));
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
    }
}
