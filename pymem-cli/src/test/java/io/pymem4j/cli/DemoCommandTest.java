package io.pymem4j.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.read.ListAppender;
import io.pymem4j.debug.DebugConfig;
import io.pymem4j.debug.DebugHook;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static io.pymem4j.cli.CliRun.pymem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code pymem demo KIND}: each fault's report on stderr and the exit status of each policy.
 * The report lines are regular expressions, one a line, as CPython's test_mem.py writes them.
 */
class DemoCommandTest {

    private static final String PTR = "(?:0x)?[0-9a-fA-F]+";
    /** The first line under throw: what the JVM prints for an uncaught error, the error's Java sentence as its message. */
    private static final String UNCAUGHT = "Exception in thread \".*\" io\\.pymem4j\\.debug\\.MemoryCorruptionError: ";
    private static final String MADE_BY_CALL_1 = q("    The block was made by call #1 to debug malloc/realloc.");
    private static final String ENABLE_TRACEMALLOC = q("Enable tracemalloc to get the memory block allocation traceback");

    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger reportLogger = (Logger) LoggerFactory.getLogger(DebugHook.REPORT_LOGGER);
    private final List<Appender<ILoggingEvent>> console = new ArrayList<>();

    /** The layer's reports, kept from the console: under log they are this test's to read. */
    @BeforeEach
    void capture() {
        reportLogger.iteratorForAppenders().forEachRemaining(console::add);
        console.forEach(reportLogger::detachAppender);
        logged.start();
        reportLogger.addAppender(logged);
    }

    @AfterEach
    void release() {
        reportLogger.detachAppender(logged);
        console.forEach(reportLogger::addAppender);
    }

    /** What {@code pymem ARGS} printed and its exit status, run in a new JVM as {@code bin/pymem} runs it. */
    private static CliRun forked(List<String> jvmOptions, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Pymem.class.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).start();
        // The report is far below a pipe's buffer: stdout can wait until stderr ends.
        String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        return new CliRun(process.exitValue(), stdout, stderr);
    }

    /** How many reports stderr shows: each has one "Debug memory block" line. */
    private static long reportsShown(CliRun r) {
        return r.errLines().stream().filter(l -> l.startsWith("Debug memory block at address p=")).count();
    }

    private static String q(String literal) {
        return Pattern.quote(literal);
    }

    /** Asserts that stderr starts with exactly these lines (each a full-match regex), then the stack. */
    private static void assertReport(CliRun r, String... lineRegexes) {
        List<String> lines = r.errLines();
        for (int i = 0; i < lineRegexes.length; i++) {
            assertTrue(i < lines.size(), "stderr has only " + lines.size() + " lines:\n" + r.err());
            assertTrue(Pattern.matches(lineRegexes[i], lines.get(i)),
                    "line " + (i + 1) + ": <" + lines.get(i) + "> does not match <" + lineRegexes[i] + ">\n" + r.err());
        }
        List<String> rest = lines.subList(lineRegexes.length, lines.size());
        assertTrue(!rest.isEmpty() && rest.stream().allMatch(l -> l.startsWith("\tat ")), "then the stack:\n" + r.err());
        assertTrue(rest.getLast().startsWith("\tat " + DemoCommand.class.getName() + "."), "down to the demo:\n" + r.err());
    }

    private static List<String> padLines(String at, int from, int to, int ouch) {
        List<String> lines = new ArrayList<>();
        for (int i = from; from <= to ? i <= to : i >= to; i += from <= to ? 1 : -1) {
            lines.add(q("        at " + at + i + ": 0x" + (i == ouch ? "78 *** OUCH" : "fd")));
        }
        return lines;
    }

    @Test
    void bufferOverflowReportsTheBadTrailingPadAndExitsWithStatusOne() {
        CliRun r = pymem("demo", "buffer-overflow", "--allocator", "pymalloc_debug");
        assertEquals(DemoCommand.EXIT_THROWN, r.status());
        List<String> lines = new ArrayList<>(List.of(
                UNCAUGHT + q("Buffer overflow: the bytes just past the end of the MEM block at ") + PTR
                        + q(" (16 bytes) were overwritten (found by free)."),
                "Debug memory block at address p=" + PTR + ": API 'm'",
                q("    16 bytes originally requested"),
                q("    The 7 pad bytes at p-7 are FORBIDDENBYTE, as expected."),
                "    The 8 pad bytes at tail=" + PTR + q(" are not all FORBIDDENBYTE (0xfd):")));
        lines.addAll(padLines("tail+", 0, 7, 0));
        lines.addAll(List.of(MADE_BY_CALL_1, q("    Data at p:" + " cd".repeat(16)), "", ENABLE_TRACEMALLOC, "",
                q("Fatal Python error: _PyMem_DebugRawFree: bad trailing pad byte"), ""));
        assertReport(r, lines.toArray(String[]::new));
    }

    @Test
    void bufferOverflowOutputMatchesTestMemsExpectation() {
        CliRun r = pymem("demo", "buffer-overflow", "--allocator", "malloc_debug");
        String testMem = "Debug memory block at address p=" + PTR + ": API 'm'\n"
                + "    16 bytes originally requested\n"
                + "    The [0-9] pad bytes at p-[0-9] are FORBIDDENBYTE, as expected.\n"
                + "    The [0-9] pad bytes at tail=" + PTR + " are not all FORBIDDENBYTE \\(0x[0-9a-f]{2}\\):\n"
                + "        at tail\\+0: 0x78 \\*\\*\\* OUCH\n"
                + "        at tail\\+1: 0xfd\n"
                + "        at tail\\+2: 0xfd\n"
                + "        .*\n"
                + "(    The block was made by call #[0-9]+ to debug malloc/realloc.\n)?"
                + "    Data at p: cd cd cd .*\n"
                + "\n"
                + "Enable tracemalloc to get the memory block allocation traceback\n"
                + "\n"
                + "Fatal Python error: _PyMem_DebugRawFree: bad trailing pad byte";
        assertTrue(Pattern.compile(testMem, Pattern.DOTALL).matcher(r.err()).find(), r.err());
    }

    @Test
    void bufferUnderflowReportsTheBadLeadingPadAtPMinusOne() {
        CliRun r = pymem("demo", "buffer-underflow", "--allocator", "pymalloc_debug");
        assertEquals(DemoCommand.EXIT_THROWN, r.status());
        List<String> lines = new ArrayList<>(List.of(
                UNCAUGHT + q("Buffer underflow: the bytes just before the MEM block at ") + PTR
                        + q(" (16 bytes) were overwritten (found by free)."),
                "Debug memory block at address p=" + PTR + ": API 'm'",
                q("    16 bytes originally requested"),
                q("    The 7 pad bytes at p-7 are not all FORBIDDENBYTE (0xfd):")));
        lines.addAll(padLines("p-", 7, 1, 1));
        lines.addAll(List.of(
                q("    Because memory is corrupted at the start, the count of bytes requested"),
                q("       may be bogus, and checking the trailing pad bytes may segfault."),
                "    The 8 pad bytes at tail=" + PTR + q(" are FORBIDDENBYTE, as expected."),
                MADE_BY_CALL_1, q("    Data at p:" + " cd".repeat(16)), "", ENABLE_TRACEMALLOC, "",
                q("Fatal Python error: _PyMem_DebugRawFree: bad leading pad byte"), ""));
        assertReport(r, lines.toArray(String[]::new));
    }

    @Test
    void apiMisuseReportsABadIdAsTestMemExpects() {
        CliRun r = pymem("demo", "api-misuse", "--allocator", "malloc_debug");
        assertEquals(DemoCommand.EXIT_THROWN, r.status());
        assertReport(r,
                UNCAUGHT + q("Wrong domain: the MEM block at ") + PTR + q(" (16 bytes) was given to the RAW domain's free,"
                        + " not to the domain that allocated it (or the block's API id byte was overwritten)."),
                "Debug memory block at address p=" + PTR + ": API 'm'",
                q("    16 bytes originally requested"),
                q("    The 7 pad bytes at p-7 are FORBIDDENBYTE, as expected."),
                "    The 8 pad bytes at tail=" + PTR + q(" are FORBIDDENBYTE, as expected."),
                MADE_BY_CALL_1, q("    Data at p:" + " cd".repeat(16)), "", ENABLE_TRACEMALLOC, "",
                q("Fatal Python error: _PyMem_DebugRawFree: bad ID: Allocated using API 'm', verified using API 'r'"), "");
    }

    @Test
    void doubleFreeIsNamedWithoutReadingTheBlock() {
        CliRun r = pymem("demo", "double-free", "--allocator", "debug");
        assertEquals(DemoCommand.EXIT_THROWN, r.status());
        assertReport(r,
                UNCAUGHT + q("Double free: the MEM block at ") + PTR
                        + q(" (16 bytes) was given to the MEM domain's free after it was already freed."),
                "Debug memory block at address p=" + PTR + q(": not a live block of this layer"),
                q("    The block of 16 bytes made through API 'm' by call #1 to debug malloc/realloc"),
                q("    was already freed through API 'm'."),
                q("    Its memory was not read: it may no longer belong to the process."),
                "", ENABLE_TRACEMALLOC, "",
                q("Fatal Python error: _PyMem_DebugRawFree: double free"), "");
    }

    @Test
    void useAfterFreeIsCaughtWhenTheBlockLeavesTheQuarantine() {
        CliRun r = pymem("demo", "use-after-free", "--allocator", "pymalloc_debug");
        assertEquals(DemoCommand.EXIT_THROWN, r.status());
        assertReport(r,
                UNCAUGHT + q("Write after free: the MEM block at ") + PTR
                        + q(" (16 bytes) was written after it was freed (found when it left the debug layer's quarantine)."),
                "Debug memory block at address p=" + PTR + ": API 'm'",
                q("    16 bytes originally requested"),
                q("    The block was freed and kept in quarantine; its 48 bytes from p-16 are not all DEADBYTE (0xdd):"),
                q("        at p+0: 0x78 *** OUCH"),
                MADE_BY_CALL_1,
                q("    Data at p: 78" + " dd".repeat(15)), "", ENABLE_TRACEMALLOC, "",
                q("Fatal Python error: _PyMem_DebugRawFree: write after free"), "");
    }

    @Test
    void useAfterFreeReplacesAQuarantineTooSmallToKeepTheBlock() {
        String key = "pymem4j." + DebugConfig.QUARANTINE_BYTES;
        System.setProperty(key, "16");
        try {
            CliRun r = pymem("demo", "use-after-free", "--allocator", "malloc_debug");
            assertEquals(DemoCommand.EXIT_THROWN, r.status());
            assertTrue(r.err().startsWith("Exception in thread \"" + Thread.currentThread().getName()
                    + "\" io.pymem4j.debug.MemoryCorruptionError: Write after free: the MEM block at 0x"),
                    r.err());
        } finally {
            System.clearProperty(key);
        }
    }

    @Test
    void noGilReportsTheMallocHookAsCpythonDoes() {
        CliRun r = pymem("demo", "no-gil", "--allocator", "pymalloc_debug");
        assertEquals(DemoCommand.EXIT_THROWN, r.status());
        assertReport(r,
                UNCAUGHT + q("Interpreter lock not held: a MEM domain call (_PyMem_DebugMalloc) came from a thread that"
                        + " does not hold the runtime's interpreter lock (GIL mode)."),
                q("Fatal Python error: _PyMem_DebugMalloc: Python memory allocator called without holding the GIL"), "");
        assertTrue(r.out().startsWith("pymem demo no-gil on pymalloc_debug (GIL mode), debug.policy=throw: "), r.out());
    }

    @Test
    void stdoutSaysWhatTheDemoDoesOnWhichStackUnderWhichPolicy() {
        CliRun r = pymem("demo", "api-misuse", "--allocator", "malloc_debug");
        assertEquals("pymem demo api-misuse on malloc_debug, debug.policy=throw: PyMem_Malloc(16), PyMem_RawFree(p)"
                + " (_testcapi.pymem_api_misuse)\n", r.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"buffer-overflow", "buffer-underflow", "api-misuse", "double-free", "use-after-free", "no-gil"})
    void logPolicyLogsTheReportAtErrorAndExitsZero(String kind) {
        CliRun r = pymem("demo", kind, "--allocator", "pymalloc_debug", "--policy", "log");
        assertEquals(0, r.status(), r.err());
        assertEquals("", r.err());
        assertTrue(r.out().endsWith("pymem demo " + kind + ": the program went on after the report (debug.policy=log)\n"),
                r.out());
        assertEquals(1, logged.list.size(), "one report");
        assertEquals(Level.ERROR, logged.list.getFirst().getLevel());
        assertTrue(logged.list.getFirst().getFormattedMessage().contains("\nFatal Python error: _PyMem_Debug"),
                logged.list.getFirst().getFormattedMessage());
    }

    @Test
    void aStackWithoutTheDebugLayerIsAUsageError() {
        CliRun r = pymem("demo", "double-free", "--allocator", "malloc");
        assertEquals(Pymem.EXIT_USAGE, r.status());
        assertEquals("pymem: demo double-free: the stack 'malloc' has no debug layer to report the fault; use debug,"
                + " pymalloc_debug, malloc_debug or NAME+debug\n", r.err());
        assertEquals("", r.out(), "nothing was done");
    }

    @Test
    void anUnknownKindIsAUsageErrorListingTheDemos() {
        CliRun r = pymem("demo", "heap-spray", "--allocator", "debug");
        assertEquals(Pymem.EXIT_USAGE, r.status());
        assertTrue(r.err().startsWith("Invalid value for positional parameter at index 0 (KIND): unknown demo"
                + " 'heap-spray'; the demos are: buffer-overflow, buffer-underflow, api-misuse, double-free,"
                + " use-after-free, no-gil\n"), r.err());
    }

    @Test
    void anUnknownPolicyIsAUsageErrorNamingTheChoicesAndTheFlag() {
        CliRun r = pymem("demo", "double-free", "--allocator", "debug", "--policy", "ignore");
        assertEquals(Pymem.EXIT_USAGE, r.status());
        assertEquals("pymem: option debug.policy='ignore' is not valid: expected throw, abort or log"
                + " (debug.policy from the command line option --policy)\n", r.err());
    }

    /** Under log the report's log event is all the user gets: the CLI's Logback configuration shows it. */
    @Test
    void logPolicyShowsTheReportOnceOnStderr() throws IOException, InterruptedException {
        CliRun r = forked(List.of(), "demo", "double-free", "--allocator", "debug", "--policy", "log");
        assertEquals(0, r.status(), r.err());
        assertTrue(Pattern.matches(q("pymem: ERROR i.p.debug.report - memory error at ") + "(" + PTR + ")"
                + q("; the pointer is not passed down") + "\n"
                + "Debug memory block at address p=\\1" + q(": not a live block of this layer") + "\n"
                + q("    The block of 16 bytes made through API 'm' by call #1 to debug malloc/realloc\n"
                + "    was already freed through API 'm'.\n"
                + "    Its memory was not read: it may no longer belong to the process.\n"
                + "\n"
                + "Enable tracemalloc to get the memory block allocation traceback\n"
                + "\n"
                + "Fatal Python error: _PyMem_DebugRawFree: double free\n"
                + "\n"), r.err()), r.err());
    }

    /** Under throw the error's report is printed; the report logger's event is left out. */
    @Test
    void throwPolicyShowsTheReportOnceOnStderr() throws IOException, InterruptedException {
        CliRun r = forked(List.of(), "demo", "double-free", "--allocator", "debug");
        assertEquals(DemoCommand.EXIT_THROWN, r.status(), r.err());
        assertEquals(1, reportsShown(r), r.err());
        assertTrue(r.err().startsWith("Exception in thread \"main\" io.pymem4j.debug.MemoryCorruptionError: "), r.err());
    }

    @Test
    void theReportLogPropertyShowsTheReportsEventUnderThrowToo() throws IOException, InterruptedException {
        CliRun r = forked(List.of("-Dpymem4j.report.log=ERROR"), "demo", "double-free", "--allocator", "debug");
        assertEquals(DemoCommand.EXIT_THROWN, r.status(), r.err());
        assertEquals(2, reportsShown(r), r.err());
        assertTrue(r.err().startsWith("pymem: ERROR i.p.debug.report - memory error at "), r.err());
    }

    /** The abort policy halts the JVM, so the demo runs in a new one, as {@code bin/pymem} would run it. */
    @Test
    void abortPolicyPrintsTheReportAndTheThreadAndHaltsWithStatus134() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Pymem.class.getName(),
                "demo", "buffer-overflow", "--allocator", "malloc_debug", "--policy", "abort"))
                .redirectOutput(ProcessBuilder.Redirect.PIPE)
                .start();
        String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(DebugHook.ABORT_STATUS, process.exitValue(), stderr);
        assertTrue(stdout.startsWith("pymem demo buffer-overflow on malloc_debug, debug.policy=abort: "), stdout);
        assertTrue(!stdout.contains("went on"), "the JVM halts at the report");
        assertTrue(Pattern.compile("^Debug memory block at address p=" + PTR + ": API 'm'\n.*"
                        + "\nFatal Python error: _PyMem_DebugRawFree: bad trailing pad byte\n"
                        + "\nCurrent thread 0x[0-9a-f]+ \"main\" \\(most recent call first\\):\n"
                        + "  at io\\.pymem4j\\.debug\\.DebugAllocator\\.free\\(.*\n"
                        + "  at io\\.pymem4j\\.runtime\\.PyMemRuntime\\.memFree\\(.*\n"
                        + "  at io\\.pymem4j\\.cli\\.DemoCommand\\.fault\\(", Pattern.DOTALL).matcher(stderr).find(),
                stderr);
    }
}
