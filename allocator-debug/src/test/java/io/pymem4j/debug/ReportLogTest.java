package io.pymem4j.debug;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.pymem4j.api.NativeMemory;
import io.pymem4j.runtime.PyMemRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.pymem4j.api.PyMemAllocatorDomain.MEM;
import static io.pymem4j.debug.Fixture.corruption;
import static io.pymem4j.debug.Fixture.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every report is logged at ERROR on {@value DebugHook#REPORT_LOGGER}, whatever the policy does next. */
class ReportLogTest {

    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger reportLogger = (Logger) LoggerFactory.getLogger(DebugHook.REPORT_LOGGER);

    @BeforeEach
    void capture() {
        logged.start();
        reportLogger.addAppender(logged);
    }

    @AfterEach
    void release() {
        reportLogger.detachAppender(logged);
    }

    /** The one event logged, asserted to be an ERROR on the report logger. */
    private ILoggingEvent theOnlyEvent() {
        assertEquals(1, logged.list.size(), () -> "events: " + logged.list);
        ILoggingEvent event = logged.list.getFirst();
        assertEquals(Level.ERROR, event.getLevel());
        assertEquals(DebugHook.REPORT_LOGGER, event.getLoggerName());
        return event;
    }

    private static long overrunBlock(Fixture f) {
        long p = f.allocator(MEM).malloc(16);
        NativeMemory.putByte(p + 16, (byte) 'x');
        return p;
    }

    private static PyMemRuntime gilRuntime(String policy) {
        return PyMemRuntime.builder().allocator("malloc_debug").gil(true).option(DebugConfig.POLICY, policy).build();
    }

    @Test
    void underThrowTheErrorsReportIsLoggedOnceAtError() {
        Fixture f = new Fixture();
        long p = overrunBlock(f);
        MemoryCorruptionError e = corruption(() -> f.allocator(MEM).free(p));
        assertEquals("memory error at " + hex(p) + "; the block is leaked\n" + e.report(),
                theOnlyEvent().getFormattedMessage());
    }

    @Test
    void underThrowTheReportIsLoggedBeforeTheErrorIsThrown() {
        Fixture f = new Fixture();
        long p = overrunBlock(f);
        int[] eventsWhenThrown = new int[1];
        corruption(() -> {
            try {
                f.allocator(MEM).free(p);
            } finally {
                eventsWhenThrown[0] = logged.list.size();
            }
        });
        assertEquals(1, eventsWhenThrown[0]);
    }

    @Test
    void underLogTheReportIsLoggedOnceAtErrorAsTheErrorWouldCarryIt() {
        Fixture thrown = new Fixture();
        long q = thrown.allocator(MEM).malloc(16);
        thrown.allocator(MEM).free(q);
        String asThrown = corruption(() -> thrown.allocator(MEM).free(q)).report();
        logged.list.clear();

        Fixture f = new Fixture(DebugConfig.POLICY, "log");
        long p = f.allocator(MEM).malloc(16);
        f.allocator(MEM).free(p);
        f.allocator(MEM).free(p);
        assertEquals("memory error at " + hex(p) + "; the pointer is not passed down\n" + asThrown.replace(hex(q), hex(p)),
                theOnlyEvent().getFormattedMessage());
    }

    @Test
    void aCallWithoutTheGilIsLoggedUnderThrow() {
        PyMemRuntime rt = gilRuntime("throw");
        MemoryCorruptionError e = assertThrows(MemoryCorruptionError.class, () -> rt.memMalloc(16));
        assertEquals("allocator misuse\n" + e.report(), theOnlyEvent().getFormattedMessage());
    }

    @Test
    void aCallWithoutTheGilIsLoggedUnderLog() {
        PyMemRuntime rt = gilRuntime("log");
        long p = rt.memMalloc(16);
        assertEquals("allocator misuse\n"
                + "Fatal Python error: _PyMem_DebugMalloc: Python memory allocator called without holding the GIL\n",
                theOnlyEvent().getFormattedMessage());
        try (var _ = rt.interpreterLock().hold()) {
            rt.memFree(p);
        }
    }

    @Test
    void eachEventIsMarkedWithThePolicyThatActsOnTheReport() {
        Fixture thrown = new Fixture();
        long q = overrunBlock(thrown);
        corruption(() -> thrown.allocator(MEM).free(q));
        Fixture f = new Fixture(DebugConfig.POLICY, "log");
        f.allocator(MEM).free(overrunBlock(f));
        assertEquals(List.of(List.of(CorruptionPolicy.THROW.marker()), List.of(CorruptionPolicy.LOG.marker())),
                logged.list.stream().map(ILoggingEvent::getMarkerList).toList());
        assertEquals("debug.policy=log", CorruptionPolicy.LOG.marker().getName());
    }

    /**
     * {@link AbortMain} in a new JVM whose Logback configuration puts the report logger on
     * stderr: the event comes first, then the report CPython's way, then the halt.
     */
    @Test
    void underAbortTheReportIsLoggedBeforeItIsPrintedAndTheJvmHalts() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String config = Path.of(ReportLogTest.class.getResource("/report-on-stderr.xml").toURI()).toString();
        Process process = new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED",
                "-Dlogback.configurationFile=" + config,
                "-cp", System.getProperty("java.class.path"), AbortMain.class.getName()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(DebugHook.ABORT_STATUS, process.exitValue(), stderr);
        Matcher m = Pattern.compile("io\\.pymem4j\\.debug\\.report ERROR debug\\.policy=abort - memory error at (0x[0-9a-f]+);"
                + " the block is leaked\n(Debug memory block at address p=\\1: .*?\nFatal Python error: [^\n]*\n)\n"
                + "\\2\nCurrent thread ", Pattern.DOTALL).matcher(stderr);
        assertTrue(m.lookingAt(), stderr);
    }
}
