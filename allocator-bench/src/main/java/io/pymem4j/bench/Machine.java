package io.pymem4j.bench;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Facts about this machine for a bench report, and where the project and its shared directory are. */
final class Machine {

    private Machine() {
    }

    /** The shared directory beside the project: ROOT/../shared, ROOT found from this class's jar or classes. */
    static Path sharedDir() {
        return projectRoot().resolve("..").resolve("shared").normalize();
    }

    static Path projectRoot() {
        try {
            Path code = Path.of(Machine.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            // ROOT/allocator-bench/target/allocator-bench.jar or ROOT/allocator-bench/target/classes
            Path module = code.getParent() == null ? null : code.getParent().getParent();
            if (module != null && module.getParent() != null && Files.isRegularFile(module.resolve("pom.xml"))) {
                return module.getParent();
            }
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            // fall back to the working directory
        }
        return Path.of("").toAbsolutePath();
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    static String describe() {
        String cpu = "unknown CPU";
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            cpu = lines.filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse(cpu);
        } catch (IOException e) {
            // not Linux: keep "unknown"
        }
        return System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch") + ", " + cpu + ", " + Runtime.getRuntime().availableProcessors()
                + " CPUs, " + Runtime.getRuntime().maxMemory() / 1048576 + " MiB max heap here";
    }

    static String jdk() {
        return System.getProperty("java.vm.vendor") + " " + Runtime.version() + " (" + System.getProperty("java.home")
                + ")";
    }
}
