package io.pymem4j.cli;

import io.pymem4j.api.AllocatorSetupException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/** The {@code pymem} command line: {@code list}, {@code replay}, {@code demo}, {@code bench}, {@code stress}, {@code python}. */
@Command(name = "pymem",
        // -h/--help and -V/--version on every command, as users try "pymem bench --help" first.
        mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT,
        versionProvider = Pymem.Version.class,
        description = "pymem4j: CPython's allocator architecture on native memory for Java.",
        subcommands = {ListCommand.class, ReplayCommand.class, BenchCommand.class, StressCommand.class, PythonCommand.class, DemoCommand.class, CommandLine.HelpCommand.class})
public final class Pymem implements Runnable {

    /** The exit status of a failure the user can act on, as for a usage error. */
    static final int EXIT_USAGE = 2;

    @Spec
    private CommandSpec spec;

    @Option(names = "--class-path", paramLabel = "PATH", scope = CommandLine.ScopeType.INHERIT,
            description = "A third party's jars (or class directories, or DIR/*), separated by '${sys:path.separator}',"
                    + " whose providers the command sets up and lists; also read from the PYMEM4J_CLASSPATH"
                    + " environment variable.")
    private List<String> classPath = new ArrayList<>();

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with pymem's error handling; tests redirect its out and err writers. */
    public static CommandLine commandLine() {
        return new CommandLine(new Pymem()).setExecutionExceptionHandler(Pymem::handle)
                .setExecutionStrategy(Pymem::execute);
    }

    /** Runs the command given, after the jars of --class-path and PYMEM4J_CLASSPATH join the context class loader. */
    private static int execute(CommandLine.ParseResult parsed) {
        List<String> paths = new ArrayList<>();
        for (CommandLine.ParseResult r = parsed; r != null; r = r.subcommand()) {
            CommandLine.Model.OptionSpec o = r.matchedOption("--class-path");
            if (o != null) {
                paths.addAll(o.stringValues());
            }
        }
        try {
            ExtraClassPath.install(System.getenv(ExtraClassPath.ENV), paths);
        } catch (UsageError e) {
            return handle(e, parsed.commandSpec().commandLine(), parsed);
        }
        return new CommandLine.RunLast().execute(parsed);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command: list, replay, demo, bench, stress or python");
    }

    private static int handle(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        if (e instanceof UsageError || e instanceof AllocatorSetupException) {
            err.println("pymem: " + e.getMessage());
            err.flush();
            return EXIT_USAGE;
        }
        err.println("pymem: internal error: " + e);
        e.printStackTrace(err);
        err.flush();
        return CommandLine.ExitCode.SOFTWARE;
    }

    /**
     * The project's version, as the build wrote it into {@value #RESOURCE} (a Maven-filtered
     * resource), so that it is right in the jar, in the archive and in target/classes alike.
     */
    static final class Version implements CommandLine.IVersionProvider {
        static final String RESOURCE = "version.properties";

        @Override
        public String[] getVersion() throws IOException {
            return new String[] {"pymem " + projectVersion()};
        }

        static String projectVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = Pymem.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IOException(RESOURCE + " is missing beside " + Pymem.class.getName() + ": a broken build");
                }
                p.load(in);
            }
            String version = p.getProperty("version", "");
            if (version.isBlank() || version.contains("${")) {
                throw new IOException(RESOURCE + " was not filtered by the build: version=" + version);
            }
            return version;
        }
    }
}
