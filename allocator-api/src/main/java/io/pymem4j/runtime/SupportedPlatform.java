package io.pymem4j.runtime;

import io.pymem4j.api.AllocatorSetupException;

import java.lang.foreign.ValueLayout;
import java.util.Locale;
import java.util.Set;

/**
 * Which platforms a runtime can be created on, and the error on any other: Linux on x86_64
 * or aarch64, in a 64-bit JVM.
 *
 * <p>What the layers need from the platform decides it. Pointers and sizes cross FFM as
 * {@code long}s, so the JVM's addresses must be 64 bits wide. The malloc backend and the
 * arena allocator call the C library's malloc family and {@code mmap} with Linux's flag values
 * (other systems number {@code MAP_ANONYMOUS} otherwise, and Windows has no {@code mmap}); the
 * replay's and CPython's tools read {@code /proc}. Of the 64-bit architectures Linux runs on,
 * the project is made for x86_64 and aarch64 (the libraries it opens are looked up in their
 * multiarch directories; the benchmarks ship their natives). Checking when a runtime is created
 * turns what would otherwise be a missing symbol, a wrong mapping or a crash in the first
 * allocation into an error that says what is supported.
 */
final class SupportedPlatform {

    /** What the error names as supported. */
    static final String SUPPORTED = "Linux on x86_64 (amd64) or aarch64 (arm64), in a 64-bit JVM";

    /** {@code os.arch} as the JVM reports the supported architectures, and their other usual names. */
    private static final Set<String> ARCHITECTURES = Set.of("amd64", "x86_64", "aarch64", "arm64");

    private SupportedPlatform() {
    }

    /**
     * Why a runtime cannot run on this platform, or null when it can: a pure function of the
     * values the JVM reports, so that every platform can be tested on any one.
     *
     * @param osName       the {@code os.name} property ({@code Linux}, {@code Mac OS X}, {@code Windows 11}, ...)
     * @param osArch       the {@code os.arch} property ({@code amd64}, {@code aarch64}, {@code x86}, ...)
     * @param addressBytes the width of a native address, {@link ValueLayout#ADDRESS}'s byte size
     */
    static String unsupportedReason(String osName, String osArch, long addressBytes) {
        boolean linux = osName != null && osName.strip().equalsIgnoreCase("linux");
        boolean architecture = osArch != null && ARCHITECTURES.contains(osArch.strip().toLowerCase(Locale.ROOT));
        if (linux && architecture && addressBytes == Long.BYTES) {
            return null;
        }
        return "pymem4j does not run on " + osName + " on " + osArch + " in a " + addressBytes * Byte.SIZE
                + "-bit JVM: it supports " + SUPPORTED;
    }

    /**
     * Checks the platform this JVM runs on.
     *
     * @throws AllocatorSetupException on an unsupported platform, naming it and what is supported
     */
    static void require() {
        String reason = unsupportedReason(System.getProperty("os.name"), System.getProperty("os.arch"),
                ValueLayout.ADDRESS.byteSize());
        if (reason != null) {
            throw new AllocatorSetupException(reason);
        }
    }
}
