package io.pymem4j.debug;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.pymem4j.api.NativeMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static io.pymem4j.api.PyMemAllocatorDomain.MEM;
import static io.pymem4j.debug.Fixture.corruption;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What happens after a report: debug.policy = throw, log, abort. */
class PolicyTest {

    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(DebugHook.REPORT_LOGGER);

    @BeforeEach
    void capture() {
        logged.start();
        logger.addAppender(logged);
    }

    @AfterEach
    void release() {
        logger.detachAppender(logged);
    }

    @Test
    void throwPolicyIsTheDefaultAndTheErrorCarriesTheReport() {
        Fixture f = new Fixture();
        long p = f.allocator(MEM).malloc(16);
        NativeMemory.putByte(p + 16, (byte) 'x');
        MemoryCorruptionError e = corruption(() -> f.allocator(MEM).free(p));
        assertEquals(CorruptionPolicy.THROW, f.hook.config().policy());
        assertTrue(e.report().startsWith("Debug memory block at address p=" + Fixture.hex(p) + ": API 'm'\n"), e.report());
        assertTrue(e.report().endsWith("Fatal Python error: _PyMem_DebugRawFree: bad trailing pad byte\n"));
        assertTrue(e.getMessage().contains(e.report()));
    }

    @Test
    void logPolicyLogsTheReportAtErrorAndLeaksTheBlock() {
        Fixture f = new Fixture(DebugConfig.POLICY, "log");
        long p = f.allocator(MEM).malloc(16);
        NativeMemory.putByte(p + 16, (byte) 'x');
        f.allocator(MEM).free(p);
        assertEquals(0, f.backend.frees.get(), "not passed down");
        assertEquals(1, f.backend.liveBlocks(), "leaked");
        assertEquals(1, logged.list.size());
        ILoggingEvent event = logged.list.get(0);
        assertEquals(Level.ERROR, event.getLevel());
        assertTrue(event.getFormattedMessage().endsWith("Fatal Python error: _PyMem_DebugRawFree: bad trailing pad byte\n"),
                event.getFormattedMessage());
    }

    @Test
    void logPolicyReportsALaterFreeOfTheLeakedBlockWithoutTouchingIt() {
        Fixture f = new Fixture(DebugConfig.POLICY, "log");
        long p = f.allocator(MEM).malloc(16);
        NativeMemory.putByte(p - 1, (byte) 0);
        f.allocator(MEM).free(p);
        f.allocator(MEM).free(p);
        assertEquals(2, logged.list.size());
        assertTrue(logged.list.get(1).getFormattedMessage().contains(
                "    The block of 16 bytes made through API 'm' failed a check earlier; it was reported and leaked.\n"));
        assertEquals(0, f.backend.frees.get());
    }

    @Test
    void logPolicyMakesAReallocOfACorruptBlockReturnNull() {
        Fixture f = new Fixture(DebugConfig.POLICY, "log");
        long p = f.allocator(MEM).malloc(16);
        NativeMemory.putByte(p + 17, (byte) 0);
        assertEquals(0, f.allocator(MEM).realloc(p, 64));
        assertEquals(1, logged.list.size());
        assertEquals(0, f.backend.frees.get());
    }

    @Test
    void logPolicyDoesNotPassADoubleFreeDown() {
        Fixture f = new Fixture(DebugConfig.POLICY, "log");
        long p = f.allocator(MEM).malloc(16);
        f.allocator(MEM).free(p);
        f.allocator(MEM).free(p);
        assertEquals(1, f.backend.frees.get());
        assertTrue(logged.list.get(0).getFormattedMessage().endsWith("Fatal Python error: _PyMem_DebugRawFree: double free\n"));
    }

    /** Runs {@link AbortMain} in a new JVM: the policy halts the JVM, so it cannot run in this one. */
    @Test
    void abortPolicyPrintsTheReportToStderrAndHaltsWithStatus134() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), AbortMain.class.getName()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(DebugHook.ABORT_STATUS, process.exitValue(), stderr);
        Pattern cpython = Pattern.compile(CPythonTestMemTest.BUFFER_OVERFLOW_REGEX, Pattern.DOTALL);
        assertTrue(cpython.matcher(stderr).find(), stderr);
        assertTrue(stderr.contains("(most recent call first):\n  at "), stderr);
        assertTrue(!stderr.contains(AbortMain.NOT_REACHED), "the JVM halts at the report");
    }
}
