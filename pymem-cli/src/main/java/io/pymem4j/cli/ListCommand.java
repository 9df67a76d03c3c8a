package io.pymem4j.cli;

import io.pymem4j.api.AllocatorSetupException;
import io.pymem4j.runtime.ProviderRegistry;
import io.pymem4j.runtime.StackSpec;
import io.pymem4j.spi.AllocatorProvider;
import io.pymem4j.spi.Availability;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.security.CodeSource;

/**
 * {@code pymem list}: the stack names and providers this class path can set up. Everything
 * found is listed, two providers of one name included, and such a conflict then ends the
 * command with its error (exit status 2), since no stack can be set up from that class path.
 */
@Command(name = "list", description = "Lists the allocator names and the providers found on the class path.")
final class ListCommand implements Runnable {

    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        ProviderRegistry registry = ProviderRegistry.getDefault();

        out.println("Allocator names (--allocator, PYMEM4J_MALLOC), as CPython's PYTHONMALLOC takes them:");
        Table names = new Table("NAME", "STACK");
        for (String name : StackSpec.CPYTHON_NAMES) {
            names.row(name, resolve(name, registry));
        }
        names.print(out, "  ");
        out.println("  Any backend may be followed by hooks: BACKEND+HOOK+..., e.g. pymalloc+debug+tracemalloc.");
        out.println();

        out.println("Providers:");
        Table providers = new Table("NAME", "KIND", "FROM", "STATUS", "DESCRIPTION");
        for (AllocatorProvider p : registry.allProviders()) {
            providers.row(p.name(), p.kind(), origin(p.getClass()), status(p), p.description());
        }
        if (registry.providers().isEmpty()) {
            providers.row("(none)", "", "", "", "");
        }
        providers.print(out, "  ");
        out.println();

        out.println("Providers that failed to load:");
        if (registry.loadFailures().isEmpty()) {
            out.println("  (none)");
        }
        for (String failure : registry.loadFailures()) {
            out.println("  " + failure);
        }
        out.flush();
        registry.checkConsistent();
    }

    private static String resolve(String name, ProviderRegistry registry) {
        try {
            return StackSpec.parse(name, registry).name();
        } catch (AllocatorSetupException e) {
            // The list of known names is this very table: leave it out of each row.
            String message = e.getMessage();
            String known = "; " + registry.knownNames();
            return message.endsWith(known) ? message.substring(0, message.length() - known.length()) : message;
        }
    }

    private static String status(AllocatorProvider p) {
        Availability a = p.availability();
        return a.available() ? "available" : "unavailable: " + a.reason();
    }

    /** The provider's module, or the jar (or class directory) its class was loaded from. */
    static String origin(Class<?> type) {
        if (type.getModule().isNamed()) {
            return "module " + type.getModule().getName();
        }
        CodeSource source = type.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) {
            return "(unknown)";
        }
        try {
            Path path = Path.of(source.getLocation().toURI());
            Path file = path.getFileName();
            if (file != null && file.toString().endsWith(".jar")) {
                return file.toString();
            }
            return path.toString();
        } catch (URISyntaxException | IllegalArgumentException e) {
            return source.getLocation().toString();
        }
    }
}
