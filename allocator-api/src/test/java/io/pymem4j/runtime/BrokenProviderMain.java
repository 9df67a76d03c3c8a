package io.pymem4j.runtime;

import io.pymem4j.api.AllocatorSetupException;
import io.pymem4j.spi.AllocatorProvider;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Asks for the name of a provider whose constructor fails and prints the error: run by
 * {@link BrokenProviderWithoutBindingTest} in a JVM where SLF4J has no binding, so nothing but
 * the exception can tell the user why. Argument: a scratch directory for the services file.
 */
public final class BrokenProviderMain {

    private BrokenProviderMain() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]).resolve("META-INF/services/" + AllocatorProvider.class.getName());
        Files.createDirectories(file.getParent());
        Files.write(file, List.of(TestBackends.BrokenBackend.class.getName()));
        ClassLoader loader = new URLClassLoader(new URL[]{Path.of(args[0]).toUri().toURL()},
                BrokenProviderMain.class.getClassLoader());
        ProviderRegistry registry = ProviderRegistry.load(loader);
        try {
            PyMemRuntime.builder().registry(registry).allocator("broken").build();
            System.out.println("set up");
        } catch (AllocatorSetupException e) {
            System.out.println(e.getMessage());
        }
    }
}
