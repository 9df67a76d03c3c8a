package io.pymem4j.runtime;

import io.pymem4j.api.AllocatorSetupException;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.spi.AllocatorProvider;
import io.pymem4j.spi.ArenaProvider;
import io.pymem4j.spi.Availability;
import io.pymem4j.spi.BackendProvider;
import io.pymem4j.spi.HookProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProviderRegistryTest {

    private static final String SERVICES = "META-INF/services/" + AllocatorProvider.class.getName();

    /** A class loader that sees the test classes plus one extra services file with these lines. */
    private static ClassLoader withServices(Path dir, String... lines) throws IOException {
        Path file = dir.resolve(SERVICES);
        Files.createDirectories(file.getParent());
        Files.write(file, List.of(lines));
        return new URLClassLoader(new URL[]{dir.toUri().toURL()}, ProviderRegistryTest.class.getClassLoader());
    }

    @Test
    void providersListedInMetaInfServicesAreFound() {
        ProviderRegistry registry = ProviderRegistry.load(ProviderRegistryTest.class.getClassLoader());
        assertTrue(registry.has("testmalloc", BackendProvider.class));
        assertTrue(registry.has("testhook", HookProvider.class));
    }

    @Test
    void aServiceLoadedBackendIsSetUpByName() {
        ProviderRegistry registry = ProviderRegistry.load(ProviderRegistryTest.class.getClassLoader());
        PyMemRuntime rt = PyMemRuntime.builder().registry(registry).allocator("testmalloc+testhook").build();
        assertEquals("testmalloc+testhook", rt.currentAllocatorName());
        long p = rt.objectMalloc(64);
        assertNotEquals(0, p);
        rt.objectFree(p);
    }

    private static final String CLASH = "two allocator providers are named 'testmalloc':"
            + " io.pymem4j.runtime.TestBackends$ServiceBackend and io.pymem4j.runtime.TestBackends$ClashingBackend;"
            + " remove one of their jars from the class path";

    @Test
    void twoLoadedProvidersWithOneNameMakeEverySetUpAnErrorNamingBothClasses(@TempDir Path dir) throws IOException {
        ProviderRegistry registry = ProviderRegistry.load(withServices(dir, "io.pymem4j.runtime.TestBackends$ClashingBackend"));
        var e = assertThrows(AllocatorSetupException.class,
                () -> PyMemRuntime.builder().registry(registry).allocator("testmalloc").build());
        assertEquals(CLASH, e.getMessage());
        var check = assertThrows(AllocatorSetupException.class, registry::checkConsistent);
        assertEquals(CLASH, check.getMessage());
    }

    @Test
    void twoLoadedProvidersWithOneNameAreBothListed(@TempDir Path dir) throws IOException {
        ProviderRegistry registry = ProviderRegistry.load(withServices(dir, "io.pymem4j.runtime.TestBackends$ClashingBackend"));
        assertEquals(List.of("TestBackends$ServiceHook", "TestBackends$ServiceBackend", "TestBackends$ClashingBackend"),
                registry.allProviders().stream().map(p -> p.getClass().getName().substring("io.pymem4j.runtime.".length()))
                        .toList());
    }

    @Test
    void twoProvidersWithOneNameGivenInCodeAreRefusedAtOnce() {
        var e = assertThrows(AllocatorSetupException.class, () -> ProviderRegistry.of(
                new TestBackends.ServiceBackend(), new TestBackends.ClashingBackend()));
        assertEquals(CLASH, e.getMessage());
    }

    @Test
    void askingForAProviderThatFailedToConstructNamesItsClassAndTheException(@TempDir Path dir) throws IOException {
        ProviderRegistry registry = ProviderRegistry.load(withServices(dir, "io.pymem4j.runtime.TestBackends$BrokenBackend"));
        var e = assertThrows(AllocatorSetupException.class,
                () -> PyMemRuntime.builder().registry(registry).allocator("broken+testhook").build());
        assertEquals("allocator 'broken' is not available: no provider of that name was loaded, and a listed provider"
                + " could not be: io.pymem4j.runtime.TestBackends$BrokenBackend could not be instantiated:"
                + " java.lang.IllegalStateException: no licence in /etc/broken.lic; " + registry.knownNames(), e.getMessage());
    }

    @Test
    void aProviderWhoseStaticInitializerFailsIsNamedWithTheCause(@TempDir Path dir) throws IOException {
        ProviderRegistry registry = ProviderRegistry.load(
                withServices(dir, "io.pymem4j.runtime.TestBackends$UninitializableBackend"));
        assertEquals(List.of("io.pymem4j.runtime.TestBackends$UninitializableBackend could not be instantiated:"
                + " java.lang.ExceptionInInitializerError, caused by java.lang.NumberFormatException: For input string:"
                + " \"lots\""), registry.loadFailures());
    }

    @Test
    void everyListedProviderAfterOneThatFailsIsStillTried(@TempDir Path dir) throws IOException {
        ProviderRegistry registry = ProviderRegistry.load(withServices(dir, "com.example.Missing",
                "io.pymem4j.runtime.TestBackends$BrokenBackend", "io.pymem4j.runtime.TestBackends$ClashingBackend"));
        assertEquals(2, registry.loadFailures().size(), registry.loadFailures().toString());
        assertEquals(3, registry.allProviders().size());
    }

    @Test
    void aProviderThatCannotBeLoadedIsSkippedAndReported(@TempDir Path dir) throws IOException {
        ClassLoader loader = withServices(dir, "com.example.Missing");
        ProviderRegistry registry = ProviderRegistry.load(loader);
        assertTrue(registry.has("testmalloc", BackendProvider.class));
        assertEquals(1, registry.loadFailures().size());
        assertTrue(registry.loadFailures().get(0).contains("com.example.Missing"), registry.loadFailures().get(0));
    }

    @Test
    void providersAreListedByName() {
        ProviderRegistry registry = ProviderRegistry.of(new io.pymem4j.runtime.TestBackendsAccess().hook("b"),
                new io.pymem4j.runtime.TestBackendsAccess().hook("a"));
        assertEquals(List.of("a", "b"), List.copyOf(registry.providers().keySet()));
    }

    @Test
    void theKindOfEachProviderIsNamed() {
        var access = new io.pymem4j.runtime.TestBackendsAccess();
        assertEquals("hook", access.hook("h").kind());
        assertEquals("backend", access.backend("b").kind());
        ArenaProvider arena = new ArenaProvider() {
            @Override
            public String name() {
                return "arena";
            }

            @Override
            public String description() {
                return "";
            }

            @Override
            public io.pymem4j.api.PyObjectArenaAllocator create() {
                return null;
            }
        };
        assertEquals("arena", arena.kind());
    }

    @Test
    void availabilityNeedsAReason() {
        assertFalse(Availability.unavailable("no lib").available());
        assertEquals(PyMemAllocatorDomain.OBJ, PyMemAllocatorDomain.ofValue(2));
        assertThrows(IllegalArgumentException.class, () -> PyMemAllocatorDomain.ofValue(3));
    }
}
