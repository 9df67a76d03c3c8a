package io.pymem4j.cli;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

/** Exit status, stdout and stderr of one {@code pymem} command run in-process. */
record CliRun(int status, String out, String err) {

    /** Runs {@code pymem ARGS} through {@link Pymem#commandLine()} with its writers captured. */
    static CliRun pymem(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = Pymem.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int status = cmd.execute(args);
        return new CliRun(status, out.toString(), err.toString());
    }

    List<String> errLines() {
        return err.lines().toList();
    }
}
