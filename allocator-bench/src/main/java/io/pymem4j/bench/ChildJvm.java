package io.pymem4j.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A command line for another JVM like this one: the same {@code java}, the same class path
 * (as {@code java.class.path} gives it, wildcards already expanded by the launcher), native
 * access on, and a main class of this module. Each replay runs in a fresh one, as the C
 * replayer forks a child per backend, so that no backend inherits another's JIT profile,
 * heap or RSS.
 */
final class ChildJvm {

    /** What a JVM that loads jemalloc and starts processes needs: its process reaper thread overflows its stack otherwise. */
    static final String REAPER_STACK = "-Djdk.lang.processReaperUseDefaultStackSize=true";

    private ChildJvm() {
    }

    /** This JVM's {@code java} executable. */
    static Path java() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    /** A process builder for {@code mainClass} with {@code jvmOptions}, {@code args} and extra {@code environment}. */
    static ProcessBuilder builder(List<String> jvmOptions, Class<?> mainClass, List<String> args,
                                  Map<String, String> environment) {
        List<String> command = new ArrayList<>();
        command.add(java().toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = pb.environment();
        environment.forEach((k, v) -> env.merge(k, v, ChildJvm::mergeEnv));
        return pb;
    }

    /** GLIBC_TUNABLES-style lists are colon-separated: keep what the user had. */
    private static String mergeEnv(String old, String added) {
        return old.isEmpty() || old.contains(added) ? (old.isEmpty() ? added : old) : old + ":" + added;
    }
}
