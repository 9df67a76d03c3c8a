package io.pymem4j.cpython;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PythonLibraryTest {

    @TempDir
    Path dir;

    @Test
    void theVersionComesFromTheLibrarysFileName() {
        assertEquals(Optional.of("3.11"), PythonLibrary.versionOf(Path.of("/usr/lib/libpython3.11.so.1.0")));
        assertEquals(Optional.of("3.12"), PythonLibrary.versionOf(Path.of("libpython3.12d.so")));
        assertEquals(Optional.empty(), PythonLibrary.versionOf(Path.of("libpython2.7.so.1.0")));
        assertEquals(Optional.empty(), PythonLibrary.versionOf(Path.of("libjsig.so")));
    }

    @Test
    void aMissingNamedLibraryIsAnErrorThatSaysWhatToInstall() {
        Path missing = dir.resolve("libpython3.11.so.1.0");

        PythonNotFoundException e = assertThrows(PythonNotFoundException.class,
                () -> PythonLibrary.locate(Map.of(PythonLibrary.LIBRARY_OPTION, missing.toString())::get));
        assertTrue(e.getMessage().startsWith("cpython.library=" + missing + ": no such file."), e.getMessage());
        assertTrue(e.getMessage().contains("apt-get install -y libpython3.11"), e.getMessage());
    }

    @Test
    void aNamedLibraryIsFoundWithTheStandardLibraryAboveIt() throws Exception {
        // PREFIX/lib/<multiarch>/libpython3.11.so.1.0 and PREFIX/lib/python3.11/os.py, as Debian lays them out.
        Path lib = Files.createDirectories(dir.resolve("lib/x86_64-linux-gnu")).resolve("libpython3.11.so.1.0");
        Files.createFile(lib);
        Files.createFile(Files.createDirectories(dir.resolve("lib/python3.11")).resolve("os.py"));

        PythonLibrary found = PythonLibrary.locate(Map.of(PythonLibrary.LIBRARY_OPTION, lib.toString())::get);
        assertEquals(lib, found.library());
        assertEquals(dir, found.home());
        assertEquals("3.11", found.version());
        assertEquals(dir.resolve("bin/python3.11"), found.executable());
        assertEquals(dir.resolve("lib/python3.11"), found.stdlib());
    }

    @Test
    void aNamedLibraryWithoutItsStandardLibraryIsAnErrorThatSaysWhatToInstall() throws Exception {
        Path lib = Files.createFile(dir.resolve("libpython3.11.so.1.0"));

        PythonNotFoundException e = assertThrows(PythonNotFoundException.class,
                () -> PythonLibrary.locate(Map.of(PythonLibrary.LIBRARY_OPTION, lib.toString())::get));
        assertTrue(e.getMessage().contains("the standard library of Python 3.11 was not found"), e.getMessage());
        assertTrue(e.getMessage().contains("apt-get install -y libpython3.11-stdlib"), e.getMessage());
    }

    @Test
    void theLocatedLibraryIsLoadableAndReportsItsVersion() {
        PythonLibrary lib = ForkedPython.library();
        EmbeddedPython python = EmbeddedPython.load(lib);

        assertTrue(python.version().startsWith(lib.version() + "."), python.version());
        assertTrue(Files.isRegularFile(lib.stdlib().resolve("os.py")));
    }
}
