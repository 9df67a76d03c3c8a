package io.pymem4j.runtime;

import io.pymem4j.api.AllocatorSetupException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A runtime is created on Linux on x86_64 or aarch64 in a 64-bit JVM, and refused with a clear error elsewhere. */
class SupportedPlatformTest {

    private static final String SUPPORTED = "it supports Linux on x86_64 (amd64) or aarch64 (arm64), in a 64-bit JVM";

    @Test
    void linuxOnAmd64InA64BitJvmIsSupported() {
        assertNull(SupportedPlatform.unsupportedReason("Linux", "amd64", 8));
    }

    @Test
    void linuxOnAarch64InA64BitJvmIsSupported() {
        assertNull(SupportedPlatform.unsupportedReason("Linux", "aarch64", 8));
    }

    @Test
    void theArchitecturesOtherNamesAreSupportedToo() {
        assertNull(SupportedPlatform.unsupportedReason("Linux", "x86_64", 8));
        assertNull(SupportedPlatform.unsupportedReason("Linux", "arm64", 8));
    }

    @Test
    void macOsIsRefusedNamingWhatIsSupported() {
        assertEquals("pymem4j does not run on Mac OS X on aarch64 in a 64-bit JVM: " + SUPPORTED,
                SupportedPlatform.unsupportedReason("Mac OS X", "aarch64", 8));
    }

    @Test
    void macOsOnIntelIsRefused() {
        assertEquals("pymem4j does not run on Mac OS X on x86_64 in a 64-bit JVM: " + SUPPORTED,
                SupportedPlatform.unsupportedReason("Mac OS X", "x86_64", 8));
    }

    @Test
    void windowsIsRefusedNamingWhatIsSupported() {
        assertEquals("pymem4j does not run on Windows 11 on amd64 in a 64-bit JVM: " + SUPPORTED,
                SupportedPlatform.unsupportedReason("Windows 11", "amd64", 8));
    }

    @Test
    void a32BitJvmOnLinuxIsRefused() {
        assertEquals("pymem4j does not run on Linux on i386 in a 32-bit JVM: " + SUPPORTED,
                SupportedPlatform.unsupportedReason("Linux", "i386", 4));
    }

    @Test
    void a32BitJvmIsRefusedWhateverArchitectureItReports() {
        assertEquals("pymem4j does not run on Linux on aarch64 in a 32-bit JVM: " + SUPPORTED,
                SupportedPlatform.unsupportedReason("Linux", "aarch64", 4));
    }

    @Test
    void linuxOnAnother64BitArchitectureIsRefused() {
        assertEquals("pymem4j does not run on Linux on riscv64 in a 64-bit JVM: " + SUPPORTED,
                SupportedPlatform.unsupportedReason("Linux", "riscv64", 8));
        assertEquals("pymem4j does not run on Linux on ppc64le in a 64-bit JVM: " + SUPPORTED,
                SupportedPlatform.unsupportedReason("Linux", "ppc64le", 8));
    }

    @Test
    void aPlatformThatReportsNothingIsRefused() {
        assertEquals("pymem4j does not run on null on null in a 64-bit JVM: " + SUPPORTED,
                SupportedPlatform.unsupportedReason(null, null, 8));
    }

    @Test
    void thisMachineIsSupported() {
        SupportedPlatform.require();
    }

    /**
     * Both ways of creating a runtime check the platform first: a JVM told it runs on another
     * system ({@code -Dos.name}, {@code -Dos.arch}) refuses them with the message, whatever the stack.
     */
    @ParameterizedTest
    @CsvSource({"Mac OS X, aarch64", "Windows 11, amd64", "Linux, riscv64"})
    void creatingARuntimeOnAnUnsupportedPlatformThrowsTheMessage(String osName, String osArch)
            throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(List.of(java, "-Dos.name=" + osName, "-Dos.arch=" + osArch,
                "-cp", System.getProperty("java.class.path"), Probe.class.getName()))
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the probe did not end");
        assertEquals(0, process.exitValue(), output);
        String message = "pymem4j does not run on " + osName + " on " + osArch + " in a 64-bit JVM: " + SUPPORTED;
        assertEquals("build: " + message + "\ngetDefault: " + message + "\n", output);
    }

    /** Creates a runtime through the builder and through {@link PyMemRuntime#getDefault()}, printing each outcome. */
    static final class Probe {
        public static void main(String[] args) {
            attempt("build", () -> PyMemRuntime.builder().registry(StackSpecTest.cpythonLike()).allocator("pymalloc").build());
            attempt("getDefault", PyMemRuntime::getDefault);
        }

        private static void attempt(String how, Runnable create) {
            try {
                create.run();
                System.out.println(how + ": created");
            } catch (AllocatorSetupException e) {
                System.out.println(how + ": " + e.getMessage());
            }
        }
    }
}
