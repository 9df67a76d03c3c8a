package io.pymem4j.junit;

import io.pymem4j.debug.MemoryCorruptionError;
import io.pymem4j.debug.Problem;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.opentest4j.AssertionFailedError;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.TestExecutionResult.Status.FAILED;
import static org.junit.platform.engine.TestExecutionResult.Status.SUCCESSFUL;

/** Runs the {@link Fixtures} through the JUnit Platform test kit and reads how each ended. */
class PyMemExtensionTest {

    private static final String FIXTURES = "io/pymem4j/junit/Fixtures.java";

    @BeforeEach
    void forgetWhatFixturesSaw() {
        Fixtures.SEEN.clear();
    }

    /** How each test (by method name) and each class (by simple name) of {@code classes} ended, in one engine run. */
    private static Map<String, TestExecutionResult> run(Class<?>... classes) {
        DiscoverySelector[] selectors = Arrays.stream(classes).map(DiscoverySelectors::selectClass).toArray(DiscoverySelector[]::new);
        Map<String, TestExecutionResult> results = new HashMap<>();
        for (Event e : EngineTestKit.engine("junit-jupiter").selectors(selectors).execute().allEvents().finished().list()) {
            var source = e.getTestDescriptor().getSource().orElse(null);
            String name = switch (source) {
                case MethodSource m -> m.getMethodName();
                case ClassSource c -> c.getJavaClass().getSimpleName();
                case null, default -> e.getTestDescriptor().getDisplayName();
            };
            results.put(name, e.getRequiredPayload(TestExecutionResult.class));
        }
        return results;
    }

    private static String failure(TestExecutionResult r) {
        assertEquals(FAILED, r.getStatus(), () -> "expected a failure, got " + r);
        return r.getThrowable().orElseThrow().getMessage();
    }

    /** The line of Fixtures.java marked {@code // at: marker}. */
    private static int line(String marker) {
        try {
            List<String> lines = Files.readAllLines(Path.of("src/test/java", FIXTURES));
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).endsWith("// at: " + marker)) {
                    return i + 1;
                }
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("no marker " + marker);
    }

    /** The frame of the line marked {@code marker}, in {@code method} of {@code fixture}, as Java prints it. */
    private static String at(String marker, Class<?> fixture, String method) {
        return "  at " + fixture.getName() + "." + method + "(Fixtures.java:" + line(marker) + ")";
    }

    @Test
    void aLeakFailsTheTestWithTheBlocksGroupedByTraceback() {
        var r = run(Fixtures.LeakTest.class).get("leaksThreeBlocksFromTwoLines");
        assertInstanceOf(AssertionFailedError.class, r.getThrowable().orElseThrow());
        assertEquals(String.join("\n",
                "memory leak: blocks allocated during the test were not freed: size=228 B, count=3, average=76 B;"
                        + " by traceback (tracemalloc statistics), largest first:",
                "#1: size=128 B, count=2, average=64 B",
                at("two-blocks", Fixtures.LeakTest.class, "leaksThreeBlocksFromTwoLines"),
                "#2: size=100 B, count=1, average=100 B",
                at("one-block", Fixtures.LeakTest.class, "leaksThreeBlocksFromTwoLines")), failure(r));
    }

    @Test
    void aTracebackListsTheFramesOfTheTestMostRecentFirstAndNoneOfTheFrameworks() {
        String message = failure(run(Fixtures.LeakTest.class).get("leaksThroughAHelper"));
        List<String> lines = message.lines().toList();
        assertEquals(List.of("#1: size=10 B, count=1, average=10 B",
                at("helper", Fixtures.LeakTest.class, "helper"),
                at("helper-call", Fixtures.LeakTest.class, "leaksThroughAHelper")), lines.subList(1, lines.size()));
    }

    @Test
    void aTestThatFreesEverythingPasses() {
        assertEquals(SUCCESSFUL, run(Fixtures.LeakTest.class).get("freesEverything").getStatus());
    }

    @Test
    void withoutTracemallocTheDebugLayerCountsTheLeak() {
        assertEquals("memory leak: 1 block allocated during the test was not freed (counted by the debug layer;"
                + " traceback > 0 shows where)", failure(run(Fixtures.LeakTest.class).get("leaksWithoutTracemalloc")));
    }

    @Test
    void allowLeaksLetsALeakyTestPass() {
        assertEquals(SUCCESSFUL, run(Fixtures.LeakTest.class).get("leaksButIsAllowedTo").getStatus());
    }

    @Test
    void blocksTracemallocMarksExpectedAreNotLeaks() {
        assertEquals(SUCCESSFUL, run(Fixtures.LeakTest.class).get("marksItsCacheExpected").getStatus());
    }

    @Test
    void aBlockOfBeforeEachFreedInAfterEachIsNoLeakAndTheyShareTheTestsRuntime() {
        assertEquals(SUCCESSFUL, run(Fixtures.LifecycleTest.class).get("usesTheBuffer").getStatus());
        assertEquals(2, Fixtures.SEEN.size());
        assertTrue(Fixtures.SEEN.get(0) == Fixtures.SEEN.get(1));
    }

    @Test
    void allowLeaksFromIgnoresBlocksAllocatedThroughAKnownFile() {
        String message = failure(run(Fixtures.KnownLeakTest.class).get("leaksThroughAKnownCacheAndByItself"));
        assertEquals("memory leak: blocks allocated during the test were not freed: size=8 B, count=1,"
                + " average=8 B; by traceback (tracemalloc statistics), largest first:\n#1: size=8 B, count=1, average=8 B\n"
                + at("unknown-leak", Fixtures.KnownLeakTest.class, "leaksThroughAKnownCacheAndByItself"), message);
    }

    @Test
    void aReportTheTestSwallowedFailsItWithTheReportAndTheBlocksTraceback() {
        String message = failure(run(Fixtures.CorruptionTest.class).get("swallowsTheReportOfAnOverflow"));
        Pattern expected = Pattern.compile("""
                memory corruption: the debug layer made 1 report during the test that the test did not throw:
                Debug memory block at address p=0x[0-9a-f]+: API 'm'
                    16 bytes originally requested
                    The 7 pad bytes at p-7 are FORBIDDENBYTE, as expected.
                    The 8 pad bytes at tail=0x[0-9a-f]+ are not all FORBIDDENBYTE \\(0xfd\\):
                        at tail\\+0: 0x78 \\*\\*\\* OUCH
                (?:        at tail\\+\\d: 0xfd\\n)+\
                    The block was made by call #\\d+ to debug malloc/realloc.
                    Data at p: (?:cd ){15}cd
                
                Memory block allocated at \\(most recent call first\\):
                \\Q%s\\E
                
                Fatal Python error: _PyMem_DebugRawFree: bad trailing pad byte
                """.formatted(at("overflowed", Fixtures.CorruptionTest.class, "swallowsTheReportOfAnOverflow")));
        assertTrue(expected.matcher(message).matches(), message);
    }

    @Test
    void aReportMadeOnAnotherThreadFailsTheTest() {
        String message = failure(run(Fixtures.CorruptionTest.class).get("overflowsInAnotherThread"));
        assertTrue(message.startsWith("memory corruption: the debug layer made 1 report during the test that the test"
                + " did not throw:\nDebug memory block at address p=0x"), message);
        assertTrue(message.endsWith("\nFatal Python error: _PyMem_DebugRawFree: bad trailing pad byte\n"), message);
    }

    @Test
    void aReportThrownAtTheTestFailsItOnceWithNothingAdded() {
        Throwable t = run(Fixtures.CorruptionTest.class).get("letsTheReportFailIt").getThrowable().orElseThrow();
        MemoryCorruptionError e = assertInstanceOf(MemoryCorruptionError.class, t);
        assertEquals(Problem.BAD_LEADING_PAD, e.problem());
        assertEquals(0, e.getSuppressed().length, () -> Arrays.toString(e.getSuppressed()));
    }

    @Test
    void allowCorruptionLetsATestProvokeReports() {
        assertEquals(SUCCESSFUL, run(Fixtures.CorruptionTest.class).get("provokesAReportOnPurpose").getStatus());
    }

    @Test
    void aWriteAfterFreeIsFoundWhenTheQuarantineIsFlushedAfterTheTest() {
        String message = failure(run(Fixtures.CorruptionTest.class).get("writesAfterFree"));
        assertTrue(message.startsWith("memory corruption: the debug layer made 1 report during the test that the test"
                + " did not throw:\n"), message);
        assertTrue(message.contains("    The block was freed and kept in quarantine; its 64 bytes from p-16 are not all"
                + " DEADBYTE (0xdd):\n        at p+3: 0x00 *** OUCH\n"), message);
        assertTrue(message.endsWith("\nFatal Python error: _PyMem_DebugRawFree: write after free\n"), message);
    }

    @Test
    void aWriteAfterFreeIsFoundWithTheDefaultOptions() {
        String message = failure(run(Fixtures.CorruptionTest.class).get("writesAfterFreeWithTheDefaults"));
        assertTrue(message.contains("    The block was freed and kept in quarantine; its 64 bytes from p-16 are not all"
                + " DEADBYTE (0xdd):\n        at p+3: 0x00 *** OUCH\n"), message);
        assertTrue(message.endsWith("\nFatal Python error: _PyMem_DebugRawFree: write after free\n"), message);
    }

    @Test
    void anOverflowOfABlockNeverFreedFailsTheTestAsCorruptionWithItsAllocationTraceback() {
        String message = failure(run(Fixtures.CorruptionTest.class).get("overflowsABlockItNeverFrees"));
        assertTrue(message.startsWith("memory corruption: the debug layer made 1 report during the test that the test"
                + " did not throw:\nDebug memory block at address p=0x"), message);
        String allocated = at("never-freed", Fixtures.CorruptionTest.class, "overflowsABlockItNeverFrees");
        assertTrue(message.contains("\n\nMemory block allocated at (most recent call first):\n" + allocated
                + "\n\nFatal Python error: _PyMem_DebugCheckAddress: bad trailing pad byte\n"), message);
        assertTrue(message.endsWith("\nmemory leak: blocks allocated during the test were not freed: size=16 B, count=1,"
                + " average=16 B; by traceback (tracemalloc statistics), largest first:\n#1: size=16 B, count=1,"
                + " average=16 B\n" + allocated), message);
    }

    @Test
    void aDoubleFreeReportShowsWhereTheBlockWasAllocatedAndFirstFreed() {
        String message = failure(run(Fixtures.CorruptionTest.class).get("freesABlockTwice"));
        String expected = String.join("\n", "",
                "Memory block allocated at (most recent call first):",
                at("twice-allocated", Fixtures.CorruptionTest.class, "freesABlockTwice"),
                "",
                "Memory block freed at (most recent call first):",
                at("twice-freed", Fixtures.CorruptionTest.class, "freesABlockTwice"),
                "",
                "Fatal Python error: _PyMem_DebugRawFree: double free",
                "");
        assertTrue(message.endsWith(expected), message);
    }

    @Test
    void theStackPropertyOverridesTheAnnotationsForTheRun() {
        run(Fixtures.StackPropertyTest.class);
        System.setProperty(PyMemExtension.STACK_PROPERTY, "pymalloc_debug");
        try {
            run(Fixtures.StackPropertyTest.class);
        } finally {
            System.clearProperty(PyMemExtension.STACK_PROPERTY);
        }
        assertEquals(List.of("malloc+debug+junit", "pymalloc+debug+junit"), Fixtures.SEEN);
    }

    @Test
    void aClassScopedRuntimeIsSharedAndEachTestIsJudgedAlone() {
        var results = run(Fixtures.SharedByTheClassTest.class);
        assertEquals(SUCCESSFUL, results.get("freesItsBlock").getStatus());
        assertEquals(String.join("\n",
                "memory leak: blocks allocated during the test were not freed: size=24 B, count=1, average=24 B;"
                        + " by traceback (tracemalloc statistics), largest first:",
                "#1: size=24 B, count=1, average=24 B",
                at("class-leak", Fixtures.SharedByTheClassTest.class, "leaksABlock")), failure(results.get("leaksABlock")));
        assertEquals(SUCCESSFUL, results.get("isNotBlamedForTheLeakBefore").getStatus());
        assertEquals(4, Fixtures.SEEN.size());
        assertEquals(1, Set.copyOf(Fixtures.SEEN.stream().map(System::identityHashCode).toList()).size());
    }

    @Test
    void aSuiteScopedRuntimeIsSharedByClassesWithTheSameStack() {
        var results = run(Fixtures.SuiteOneTest.class, Fixtures.SuiteTwoTest.class, Fixtures.OtherSuiteRuntimeTest.class);
        assertTrue(results.values().stream().allMatch(r -> r.getStatus() == SUCCESSFUL), results::toString);
        assertEquals(3, Fixtures.SEEN.size());
        assertEquals(2, Set.copyOf(Fixtures.SEEN.stream().map(System::identityHashCode).toList()).size());
    }

    @Test
    void theRuntimeIsInjectedIntoTheConstructorAndTheTestWithItsTracer() {
        var results = run(Fixtures.InjectionTest.class);
        assertEquals(SUCCESSFUL, results.get("getsOneRuntimeInTheConstructorAndTheMethod").getStatus(),
                () -> results.get("getsOneRuntimeInTheConstructorAndTheMethod").toString());
        assertEquals(SUCCESSFUL, results.get("aMethodAnnotationWins").getStatus(),
                () -> results.get("aMethodAnnotationWins").toString());
    }

    @Test
    void aPerTestRuntimeCannotBeInjectedIntoBeforeAll() {
        String message = failure(run(Fixtures.PerTestRuntimeInBeforeAllTest.class).get("PerTestRuntimeInBeforeAllTest"));
        assertTrue(message.endsWith("a @PyMemTest runtime of scope TEST belongs to one test: it cannot be injected into"
                + " Fixtures$PerTestRuntimeInBeforeAllTest outside a test (@BeforeAll, @AfterAll); use @PyMemTest(scope = CLASS)"
                + " to share one runtime among the tests of a class"), message);
    }

    @Test
    void anUnknownStackFailsTheTestWithTheKnownNames() {
        String message = failure(run(Fixtures.MisconfiguredTest.class).get("unknownStack"));
        assertTrue(message.contains("unknown allocator 'tcmalloc'; known: CPython names default, debug, pymalloc,"), message);
        assertTrue(Fixtures.SEEN.isEmpty());
    }

    @Test
    void anOptionWithoutAValueIsAConfigurationError() {
        String message = failure(run(Fixtures.MisconfiguredTest.class).get("optionWithoutValue"));
        assertTrue(message.contains("@PyMemTest option 'debug.policy' is not key=value"), message);
    }
}
