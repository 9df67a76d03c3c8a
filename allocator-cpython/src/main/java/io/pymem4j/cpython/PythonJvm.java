package io.pymem4j.cpython;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The JVM that CPython can run in: one with the JDK's signal-chaining library preloaded.
 *
 * <h2>Why</h2>
 * The JVM takes SIGSEGV (and SIGBUS, SIGFPE, SIGILL) in normal operation: implicit null
 * checks and safepoint polls of compiled code fault on purpose, and its handler resumes them.
 * CPython's {@code faulthandler} (which {@code -m test} enables, as do {@code -X faulthandler}
 * and {@code PYTHONFAULTHANDLER}) installs its own handler for those signals: the next such
 * fault is then reported as {@code Fatal Python error: Segmentation fault} and the JVM dies.
 * With {@code libjsig.so} preloaded ({@code LD_PRELOAD}), the JVM's handlers stay installed
 * and a handler that native code installs later is chained behind them, called only for a
 * signal the JVM does not claim: CPython's fault handler still reports a real crash.
 *
 * <p>{@link #javaProcess} starts a JVM of the current one's kind (the same {@code java},
 * class path and {@code -D}/{@code -X} options) with {@code libjsig.so} preloaded and
 * {@code -Xrs}, so that SIGINT reaches CPython's handler ({@code KeyboardInterrupt}) rather
 * than the JVM's shutdown.
 *
 * @since 0.1
 */
public final class PythonJvm {

    private PythonJvm() {
    }

    /** The JDK's signal-chaining library: {@code $JAVA_HOME/lib/libjsig.so}. */
    public static Path libjsig() {
        return Path.of(System.getProperty("java.home"), "lib", "libjsig.so");
    }

    /** True when this process has {@code libjsig.so} loaded (from {@code LD_PRELOAD}). */
    public static boolean signalChainingActive() {
        try {
            return Files.readString(Path.of("/proc/self/maps")).contains("/libjsig.so");
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * A process running {@code mainClass} with {@code args} in a JVM like this one, with
     * signal chaining; the caller sets its I/O up and starts it.
     */
    public static ProcessBuilder javaProcess(String mainClass, List<String> args) {
        return javaProcess(List.of(), mainClass, args);
    }

    /** {@link #javaProcess(String, List)} with more JVM options ({@code -Dkey=value} ...) after the inherited ones. */
    public static ProcessBuilder javaProcess(List<String> jvmOptions, String mainClass, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xrs");
        command.add("--enable-native-access=ALL-UNNAMED");
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if ((a.startsWith("-D") || a.startsWith("-X")) && !a.equals("-Xrs")) {
                command.add(a);
            }
        }
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = pb.environment();
        String preload = env.get("LD_PRELOAD");
        env.put("LD_PRELOAD", libjsig() + (preload == null || preload.isBlank() ? "" : ":" + preload));
        return pb;
    }
}
