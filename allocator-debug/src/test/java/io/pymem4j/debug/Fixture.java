package io.pymem4j.debug;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.raw.MallocProvider;
import io.pymem4j.runtime.ProviderRegistry;
import io.pymem4j.runtime.PyMemRuntime;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A runtime "test+debug" over a {@link TestBackend}, and report assertions. */
final class Fixture {

    /** CPython's test_mem.py pointer pattern. */
    static final String PTR = "(?:0x)?[0-9a-fA-F]+";

    final TestBackend.Provider provider = new TestBackend.Provider();
    final PyMemRuntime runtime;
    final TestBackend backend;
    final DebugHook hook;

    /** {@code options} are key, value pairs. */
    Fixture(String... options) {
        PyMemRuntime.Builder b = PyMemRuntime.builder()
                .registry(ProviderRegistry.of(provider, new DebugHookProvider(), new MallocProvider()))
                .allocator("test+debug");
        for (int i = 0; i < options.length; i += 2) {
            b.option(options[i], options[i + 1]);
        }
        runtime = b.build();
        hook = DebugHook.of(runtime).orElseThrow();
        backend = provider.last;
    }

    DebugAllocator allocator(PyMemAllocatorDomain domain) {
        return (DebugAllocator) runtime.getAllocator(domain);
    }

    /** Runs {@code action}, which must throw; returns the error. */
    static MemoryCorruptionError corruption(Runnable action) {
        return assertThrows(MemoryCorruptionError.class, action::run);
    }

    /** Asserts the report has exactly these lines (each a full-match regex), then the final newline. */
    static void assertLines(String report, String... lineRegexes) {
        assertTrue(report.endsWith("\n"), "report ends with a newline");
        List<String> lines = Arrays.asList(report.substring(0, report.length() - 1).split("\n", -1));
        for (int i = 0; i < Math.min(lines.size(), lineRegexes.length); i++) {
            assertTrue(Pattern.matches(lineRegexes[i], lines.get(i)),
                    "line " + (i + 1) + ": <" + lines.get(i) + "> does not match <" + lineRegexes[i] + ">\n" + report);
        }
        assertEquals(lineRegexes.length, lines.size(), "line count of\n" + report);
    }

    /** The regex of a literal text. */
    static String q(String literal) {
        return Pattern.quote(literal);
    }

    static String hex(long p) {
        return "0x" + Long.toHexString(p);
    }
}
