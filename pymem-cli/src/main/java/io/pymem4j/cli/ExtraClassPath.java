package io.pymem4j.cli;

import java.io.File;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A third party's jars for pymem's commands: the entries of {@value #ENV} and of
 * {@code --class-path}, in that order, made the context class loader before a command runs,
 * so that the provider registry (and the statistics of the runtime's MXBean), which
 * ServiceLoader fills from that loader, find the providers those jars list in
 * {@code META-INF/services}. {@code pymem list}, {@code replay} and {@code demo} then set up
 * and show a backend shipped as a jar.
 *
 * <p>An entry is a jar, a directory of classes, or {@code DIR/*} for every jar in a directory,
 * as for {@code java -cp}; entries are separated by {@link File#pathSeparator}. One that
 * does not exist is a usage error: a misspelled path would otherwise show as an unknown
 * allocator.
 */
final class ExtraClassPath {

    /** The environment variable bin/pymem and the command line read, as {@code CLASSPATH} is for java. */
    static final String ENV = "PYMEM4J_CLASSPATH";

    private ExtraClassPath() {
    }

    /**
     * Makes a loader over {@code env}'s entries (null or blank: none) and those of each
     * {@code --class-path} value the thread's context class loader; does nothing when there are none.
     *
     * @throws UsageError naming an entry that does not exist, and where it was given
     */
    static void install(String env, List<String> flags) {
        List<URL> urls = new ArrayList<>();
        if (env != null) {
            add(urls, env, ENV);
        }
        for (String flag : flags) {
            add(urls, flag, "--class-path");
        }
        if (urls.isEmpty()) {
            return;
        }
        Thread t = Thread.currentThread();
        ClassLoader parent = t.getContextClassLoader() != null ? t.getContextClassLoader() : Pymem.class.getClassLoader();
        t.setContextClassLoader(new URLClassLoader("pymem-class-path", urls.toArray(URL[]::new), parent));
    }

    private static void add(List<URL> urls, String path, String where) {
        for (String entry : path.split(File.pathSeparator)) {
            if (entry.isBlank()) {
                continue;
            }
            for (Path p : expand(entry.strip(), where)) {
                try {
                    urls.add(p.toUri().toURL());
                } catch (MalformedURLException e) {
                    throw new UsageError(where + ": cannot use " + p + ": " + e.getMessage(), e);
                }
            }
        }
    }

    private static List<Path> expand(String entry, String where) {
        if (entry.endsWith("/*") || entry.equals("*")) {
            Path dir = Path.of(entry.length() == 1 ? "." : entry.substring(0, entry.length() - 2));
            if (!Files.isDirectory(dir)) {
                throw new UsageError(where + ": no directory " + dir, null);
            }
            List<Path> jars = new ArrayList<>();
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.{jar,JAR}")) {
                s.forEach(jars::add);
            } catch (IOException e) {
                throw new UsageError(where + ": cannot list " + dir + ": " + e.getMessage(), e);
            }
            jars.sort(null);
            return jars;
        }
        Path p = Path.of(entry);
        if (!Files.exists(p)) {
            throw new UsageError(where + ": no such file or directory: " + entry, null);
        }
        return List.of(p);
    }
}
