package io.pymem4j.cli;

import io.pymem4j.cpython.PythonJvm;
import io.pymem4j.cpython.PythonLibrary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code pymem python}: errors in-process, a real run in a JVM of its own. */
class PythonCommandTest {

    @TempDir
    Path dir;

    @Test
    void aMissingLibraryIsAUsageErrorThatSaysWhatToInstall() {
        String key = "pymem4j." + PythonLibrary.LIBRARY_OPTION;
        String old = System.getProperty(key);
        System.setProperty(key, dir.resolve("libpython3.11.so.1.0").toString());
        try {
            StringWriter err = new StringWriter();
            CommandLine cmd = Pymem.commandLine();
            cmd.setErr(new PrintWriter(err, true));

            assertEquals(Pymem.EXIT_USAGE, cmd.execute("python", "--", "-c", "pass"));
            assertTrue(err.toString().startsWith("pymem: cpython.library=" + dir.resolve("libpython3.11.so.1.0")
                    + ": no such file."), err.toString());
            assertTrue(err.toString().contains("apt-get install -y libpython3.11"), err.toString());
        } finally {
            if (old == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, old);
            }
        }
    }

    @Test
    void aRunPrintsTheProgramsOutputThenTheSummaryAndExitsWithItsStatus() throws Exception {
        List<PythonLibrary> found = PythonLibrary.candidates(k -> null);
        assumeTrue(!found.isEmpty(), "no libpython3 is installed (Debian: apt-get install -y libpython3.11)");
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Process p = PythonJvm.javaProcess(List.of("-Dpymem4j." + PythonLibrary.LIBRARY_OPTION + "=" + found.get(0).library()),
                        Pymem.class.getName(), List.of("python", "--allocator", "pymalloc_debug", "--tracemalloc", "1", "--",
                                "-c", "import sys; x = [str(i) * 20 for i in range(50000)]; print(len(x)); sys.exit(3)"))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES));
        String stderr = Files.readString(err, StandardCharsets.UTF_8);

        assertEquals(3, p.exitValue(), stderr);
        assertEquals("50000\n", Files.readString(out, StandardCharsets.UTF_8));
        assertTrue(stderr.contains("pymem python: pymalloc_debug, CPython " + found.get(0).version() + "."), stderr);
        for (String line : new String[]{"  calls  malloc", "  RAW    ", "  MEM    ", "  OBJ    ", "  peak bytes ",
                "  tracemalloc (1 frame): peak ", "top allocation sites:\n    "}) {
            assertTrue(stderr.contains(line), () -> "no '" + line + "' in\n" + stderr);
        }
        assertTrue(stderr.contains("<string>:1"), "the list comprehension is the top site:\n" + stderr);
    }
}
