package io.pymem4j.cpython;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A CPython shared library and the installation it belongs to: where {@code libpython3.X.so}
 * is, the prefix holding its standard library ({@code PREFIX/lib/python3.X/os.py}, what
 * CPython calls its home), and the interpreter executable of that prefix, which is handed to
 * CPython as {@code argv[0]} so that it computes {@code sys.prefix} and {@code sys.executable}
 * as that interpreter would (subprocesses started with {@code sys.executable} then run the
 * same version).
 *
 * <h2>Where it is looked for, in order</h2>
 * <ol>
 *   <li>the option {@value #LIBRARY_OPTION} (a path; {@value #HOME_OPTION} names the prefix
 *       when it cannot be derived from the library's place);</li>
 *   <li>{@code python3-config --prefix} and {@code --ldflags --embed}: the library of the
 *       {@code python3} on the {@code PATH};</li>
 *   <li>{@code ldconfig -p}: the libraries the dynamic linker knows;</li>
 *   <li>the usual places: {@code /usr/lib/<multiarch>/}, {@code /usr/lib64/},
 *       {@code /usr/local/lib/}.</li>
 * </ol>
 * Options are read as {@link io.pymem4j.runtime.PyMemRuntime#option(String)} reads them: the
 * system property {@code pymem4j.KEY}, else the environment variable {@code PYMEM4J_KEY}.
 *
 * @since 0.1
 */
public record PythonLibrary(Path library, Path home, String version, Path executable, String foundBy) {

    /** The option naming the library file. */
    public static final String LIBRARY_OPTION = "cpython.library";
    /** The option naming the installation prefix (CPython's home) of that library. */
    public static final String HOME_OPTION = "cpython.home";
    /** What to install on Debian, for the error that says nothing was found. */
    public static final String DEBIAN_PACKAGE = "libpython3.11";

    private static final Logger log = LoggerFactory.getLogger(PythonLibrary.class);
    private static final Pattern FILE_NAME = Pattern.compile("libpython(3\\.\\d+)[a-z]*\\.so(\\.[0-9.]+)?");
    private static final Pattern LINK_NAME = Pattern.compile("-lpython(3\\.\\d+[a-z]*)");
    private static final long COMMAND_TIMEOUT_SECONDS = 20;

    public PythonLibrary {
        Objects.requireNonNull(library, "library");
        Objects.requireNonNull(home, "home");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(executable, "executable");
        Objects.requireNonNull(foundBy, "foundBy");
    }

    /** Where the standard library's Python files are: {@code HOME/lib/python3.X}. */
    public Path stdlib() {
        return home.resolve("lib").resolve("python" + version);
    }

    /** True when CPython's regression test package ({@code test}, with {@code test_NAME}) is installed. */
    public boolean hasRegressionTests(String... names) {
        Path test = stdlib().resolve("test");
        for (String name : names) {
            if (!Files.exists(test.resolve(name + ".py")) && !Files.isDirectory(test.resolve(name))) {
                return false;
            }
        }
        return Files.exists(test.resolve("libregrtest"));
    }

    /** The first library found in the documented order, options read from the system properties and environment. */
    public static PythonLibrary locate() {
        return locate(PythonLibrary::configured);
    }

    /**
     * The first library found in the documented order.
     *
     * @param option reads an option by key ({@value #LIBRARY_OPTION}, {@value #HOME_OPTION}); null when unset
     * @throws PythonNotFoundException when none is found, or the named one is not usable
     */
    public static PythonLibrary locate(Function<String, String> option) {
        List<PythonLibrary> found = candidates(option);
        if (found.isEmpty()) {
            throw new PythonNotFoundException("no CPython shared library (libpython3.X.so) was found: looked through "
                    + "python3-config, ldconfig -p and " + String.join(", ", knownDirectories().stream()
                    .map(Path::toString).toList()) + ". " + installHint());
        }
        return found.get(0);
    }

    /**
     * Every library found, in the documented order, each once. A library named by the option
     * is the only candidate, and an unusable one throws.
     */
    public static List<PythonLibrary> candidates(Function<String, String> option) {
        String named = option.apply(LIBRARY_OPTION);
        String home = option.apply(HOME_OPTION);
        if (named != null && !named.isBlank()) {
            return List.of(named(Path.of(named.strip()), home == null || home.isBlank() ? null : Path.of(home.strip())));
        }
        Map<Path, PythonLibrary> found = new LinkedHashMap<>();
        fromPythonConfig().forEach(l -> add(found, l, "python3-config"));
        fromLdconfig().forEach(l -> add(found, l, "ldconfig"));
        fromKnownDirectories().forEach(l -> add(found, l, "known path"));
        return List.copyOf(found.values());
    }

    /** The option's value from the system property {@code pymem4j.KEY}, else the environment variable {@code PYMEM4J_KEY}. */
    static String configured(String key) {
        String v = System.getProperty("pymem4j." + key);
        return v != null ? v : System.getenv("PYMEM4J_" + key.toUpperCase(Locale.ROOT).replace('.', '_'));
    }

    /** What to do when no usable library is found. */
    static String installHint() {
        return "Install CPython's shared library and standard library (Debian, Ubuntu: apt-get install -y "
                + DEBIAN_PACKAGE + "; Fedora: dnf install python3-libs), or name the library with -Dpymem4j."
                + LIBRARY_OPTION + "=/path/to/libpython3.X.so.1.0 (environment: PYMEM4J_CPYTHON_LIBRARY)";
    }

    private static PythonLibrary named(Path library, Path home) {
        if (!Files.isRegularFile(library)) {
            throw new PythonNotFoundException(LIBRARY_OPTION + "=" + library + ": no such file. " + installHint());
        }
        String version = versionOf(library).orElseThrow(() -> new PythonNotFoundException(LIBRARY_OPTION + "="
                + library + ": not a CPython 3 shared library (the name should be libpython3.X.so...)"));
        if (home != null) {
            if (!Files.isRegularFile(home.resolve("lib").resolve("python" + version).resolve("os.py"))) {
                throw new PythonNotFoundException(HOME_OPTION + "=" + home + ": no standard library of Python " + version
                        + " there (" + home.resolve("lib/python" + version + "/os.py") + " is missing)");
            }
            return of(library, home, version, "option " + LIBRARY_OPTION);
        }
        return usable(library, "option " + LIBRARY_OPTION).orElseThrow(() -> new PythonNotFoundException(
                LIBRARY_OPTION + "=" + library + ": the standard library of Python " + version + " was not found near it"
                        + " (no lib/python" + version + "/os.py in a parent directory); name its prefix with -Dpymem4j."
                        + HOME_OPTION + ", or install it (Debian: apt-get install -y libpython" + version + "-stdlib)"));
    }

    private static void add(Map<Path, PythonLibrary> found, Path library, String how) {
        Path real;
        try {
            real = library.toRealPath();
        } catch (IOException e) {
            return;
        }
        if (!found.containsKey(real)) {
            usable(library, how).ifPresent(l -> found.put(real, l));
        }
    }

    /** The library with its home, when its standard library is found above it. */
    static Optional<PythonLibrary> usable(Path library, String how) {
        Optional<String> version = versionOf(library);
        if (version.isEmpty() || !Files.isRegularFile(library)) {
            return Optional.empty();
        }
        // PREFIX/lib/libpython (pyenv, source builds) or PREFIX/lib/<multiarch>/libpython (Debian). The real
        // path: with a merged /usr, ldconfig names /lib/..., and / is not the prefix CPython computes.
        Path real;
        try {
            real = library.toRealPath();
        } catch (IOException e) {
            return Optional.empty();
        }
        Path dir = real.getParent();
        for (int up = 0; up < 2 && dir != null && dir.getParent() != null; up++, dir = dir.getParent()) {
            Path name = dir.getFileName();
            if (name != null && (name.toString().equals("lib") || name.toString().equals("lib64"))) {
                Path prefix = dir.getParent();
                if (Files.isRegularFile(prefix.resolve("lib").resolve("python" + version.get()).resolve("os.py"))) {
                    return Optional.of(of(real, prefix, version.get(), how));
                }
            }
        }
        log.debug("{}: no standard library of Python {} above it", library, version.get());
        return Optional.empty();
    }

    private static PythonLibrary of(Path library, Path home, String version, String how) {
        Path bin = home.resolve("bin");
        Path executable = bin.resolve("python" + version);
        if (!Files.isExecutable(executable) && Files.isExecutable(bin.resolve("python3"))) {
            executable = bin.resolve("python3");
        }
        return new PythonLibrary(library.toAbsolutePath(), home.toAbsolutePath(), version, executable.toAbsolutePath(), how);
    }

    /** {@code 3.11} for {@code libpython3.11.so.1.0}. */
    static Optional<String> versionOf(Path library) {
        Path name = library.getFileName();
        Matcher m = FILE_NAME.matcher(name == null ? "" : name.toString());
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    private static List<Path> fromPythonConfig() {
        List<String> prefix = run("python3-config", "--prefix");
        List<String> ldflags = run("python3-config", "--ldflags", "--embed");
        if (prefix.isEmpty()) {
            return List.of();
        }
        List<Path> dirs = new ArrayList<>();
        String link = null;
        for (String word : String.join(" ", ldflags).split("\\s+")) {
            if (word.startsWith("-L") && word.length() > 2) {
                dirs.add(Path.of(word.substring(2)));
            }
            Matcher m = LINK_NAME.matcher(word);
            if (m.matches()) {
                link = "libpython" + m.group(1) + ".so";
            }
        }
        Path p = Path.of(prefix.get(0).strip());
        dirs.add(p.resolve("lib"));
        List<Path> found = new ArrayList<>();
        for (Path dir : dirs) {
            if (link != null) {
                for (String suffix : new String[]{".1.0", ".1", ""}) {
                    if (Files.isRegularFile(dir.resolve(link + suffix))) {
                        found.add(dir.resolve(link + suffix));
                        break;
                    }
                }
            } else {
                found.addAll(glob(dir));
            }
        }
        return found;
    }

    private static List<Path> fromLdconfig() {
        List<Path> found = new ArrayList<>();
        for (String command : new String[]{"/sbin/ldconfig", "/usr/sbin/ldconfig", "ldconfig"}) {
            List<String> lines = run(command, "-p");
            if (lines.isEmpty()) {
                continue;
            }
            for (String line : lines) {
                // "	libpython3.11.so.1.0 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0"
                int arrow = line.indexOf("=> ");
                if (line.strip().startsWith("libpython3.") && arrow > 0) {
                    found.add(Path.of(line.substring(arrow + 3).strip()));
                }
            }
            break;
        }
        found.sort(NEWEST_FIRST);
        return found;
    }

    private static List<Path> knownDirectories() {
        String arch = switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> "x86_64-linux-gnu";
            case "aarch64", "arm64" -> "aarch64-linux-gnu";
            default -> System.getProperty("os.arch") + "-linux-gnu";
        };
        return List.of(Path.of("/usr/lib", arch), Path.of("/usr/lib64"), Path.of("/usr/lib"), Path.of("/usr/local/lib"));
    }

    private static List<Path> fromKnownDirectories() {
        List<Path> found = new ArrayList<>();
        for (Path dir : knownDirectories()) {
            found.addAll(glob(dir));
        }
        return found;
    }

    /** The libpython3 files of {@code dir}, newest version first. */
    private static List<Path> glob(Path dir) {
        List<Path> found = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return found;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "libpython3.*.so*")) {
            s.forEach(found::add);
        } catch (IOException e) {
            log.debug("cannot list {}: {}", dir, e.toString());
        }
        found.sort(NEWEST_FIRST);
        return found;
    }

    /** Newest minor version first; for one version the real file (.so.1.0) before its links. */
    private static final Comparator<Path> NEWEST_FIRST = Comparator
            .comparingInt((Path p) -> versionOf(p).map(v -> Integer.parseInt(v.substring(2))).orElse(-1)).reversed()
            .thenComparing(p -> -p.getFileName().toString().length());

    /** The output lines of a command, or none when it cannot run, fails or takes too long. */
    private static List<String> run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(false)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            p.getOutputStream().close();
            String out;
            try (InputStream in = p.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return List.of();
            }
            return p.exitValue() == 0 ? out.lines().filter(l -> !l.isBlank()).toList() : List.of();
        } catch (IOException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }
}
