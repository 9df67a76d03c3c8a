package io.pymem4j.cpython;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs {@link PythonMain} in a JVM of its own (one interpreter per process), on the system's
 * libpython, and collects what it printed, its exit status and its figures.
 *
 * <p>The library: {@code -Dpymem4j.cpython.library} when the test JVM has it, else the first
 * one the dynamic linker knows (ldconfig, /usr/lib: what {@code apt-get install libpython3.11}
 * put there, whichever {@code python3} is first on the PATH), else any other found.
 */
final class ForkedPython {

    /** CPython's regression tests the suite runs. */
    static final String[] REGRESSION_TESTS = {"test_json", "test_re", "test_difflib", "test_textwrap"};
    static final String INSTALL = "apt-get install -y libpython3.11 libpython3.11-testsuite";
    private static final long TIMEOUT_MINUTES = 10;

    private static final Optional<PythonLibrary> LIBRARY = find();

    /** The output and figures of one run. */
    record Run(int status, String out, String err, Properties stats) {
        long stat(String key) {
            String v = stats.getProperty(key);
            if (v == null) {
                fail("no figure " + key + " in " + stats + "\nstderr:\n" + err);
            }
            return Long.parseLong(v);
        }

        @Override
        public String toString() {
            return "exit status " + status + "\n--- stdout:\n" + tail(out) + "\n--- stderr:\n" + tail(err);
        }

        private static String tail(String s) {
            return s.length() > 4000 ? "..." + s.substring(s.length() - 4000) : s;
        }
    }

    private ForkedPython() {
    }

    private static Optional<PythonLibrary> find() {
        try {
            List<PythonLibrary> all = PythonLibrary.candidates(PythonLibrary::configured);
            return all.stream().filter(l -> !l.foundBy().equals("python3-config")).findFirst()
                    .or(() -> all.stream().findFirst());
        } catch (PythonNotFoundException e) {
            return Optional.empty();
        }
    }

    /** The library, or the test is skipped with what to install. */
    static PythonLibrary library() {
        assumeTrue(LIBRARY.isPresent(), "no libpython3 shared library with its standard library is installed: "
                + "the CPython tests are skipped (Debian: " + INSTALL + ")");
        return LIBRARY.get();
    }

    /** The library with CPython's regression tests, or the test is skipped with what to install. */
    static PythonLibrary libraryWithRegressionTests() {
        PythonLibrary l = library();
        assumeTrue(l.hasRegressionTests(REGRESSION_TESTS), "CPython " + l.version() + "'s regression tests are not"
                + " installed under " + l.stdlib() + ": the regression runs are skipped (Debian: " + INSTALL + ")");
        return l;
    }

    /**
     * Runs {@code PythonMain OPTIONS -- PYTHON-ARGS} with {@code -D} options, in {@code dir}.
     *
     * @param env extra environment variables
     */
    static Run run(Path dir, List<String> jvmOptions, Map<String, String> env, List<String> options, String... python)
            throws IOException, InterruptedException {
        PythonLibrary lib = library();
        Path stats = dir.resolve("stats.properties");
        Path out = dir.resolve("stdout.txt");
        Path err = dir.resolve("stderr.txt");
        Files.deleteIfExists(stats);
        List<String> jvm = new ArrayList<>(List.of("-Dpymem4j." + PythonLibrary.LIBRARY_OPTION + "=" + lib.library()));
        jvm.addAll(jvmOptions);
        List<String> args = new ArrayList<>(options);
        args.addAll(List.of("--stats", stats.toString(), "--"));
        args.addAll(List.of(python));
        ProcessBuilder pb = PythonJvm.javaProcess(jvm, PythonMain.class.getName(), args)
                .directory(dir.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            p.destroyForcibly().waitFor();
            fail("PythonMain " + args + " did not end in " + TIMEOUT_MINUTES + " minutes; stderr:\n" + Files.readString(err));
        }
        Properties figures = new Properties();
        if (Files.exists(stats)) {
            try (InputStream in = Files.newInputStream(stats)) {
                figures.load(in);
            }
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8),
                figures);
    }

    static Run run(Path dir, List<String> options, String... python) throws IOException, InterruptedException {
        return run(dir, List.of(), Map.of(), options, python);
    }
}
