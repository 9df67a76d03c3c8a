package io.pymem4j.guice;

import com.google.inject.CreationException;
import com.google.inject.Guice;
import com.google.inject.Injector;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.debug.CorruptionPolicy;
import io.pymem4j.debug.DebugHook;
import io.pymem4j.pymalloc.Pymalloc;
import io.pymem4j.runtime.PyMemManagement;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.tracemalloc.Tracemalloc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

import static io.pymem4j.api.PyMemAllocatorDomain.MEM;
import static io.pymem4j.api.PyMemAllocatorDomain.OBJ;
import static io.pymem4j.api.PyMemAllocatorDomain.RAW;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PyMemModuleTest {

    /** Every name the test class path can set up, as the error lists them. */
    private static final String KNOWN = "known: CPython names default, debug, pymalloc, pymalloc_debug, malloc, malloc_debug,"
            + " mimalloc, mimalloc_debug; backends malloc, pymalloc; hooks debug, tracemalloc;"
            + " or a composition such as pymalloc+debug+tracemalloc";

    @TempDir
    Path dir;

    private Path file(String text) throws IOException {
        Path f = dir.resolve("app.properties");
        Files.writeString(f, text, StandardCharsets.UTF_8);
        return f;
    }

    private static String onlyError(CreationException e) {
        assertEquals(1, e.getErrorMessages().size(), e.getMessage());
        return e.getErrorMessages().iterator().next().getMessage();
    }

    @Test
    void anInjectorFromAPropertiesFileBuildsTheStackWithItsOptions() throws IOException {
        Path f = file("app.name=demo\npymem4j.malloc=pymalloc_debug\npymem4j.debug.policy=log\n");
        Injector injector = Guice.createInjector(PyMemModule.builder().properties(f).build());
        PyMemRuntime rt = injector.getInstance(PyMemRuntime.class);
        assertEquals("pymalloc_debug", rt.currentAllocatorName());
        assertEquals(CorruptionPolicy.LOG, DebugHook.of(rt).orElseThrow().config().policy());
    }

    @Test
    void applicationCodeInjectsADomainsAllocatorWithoutNamingABackend() throws IOException {
        Injector injector = Guice.createInjector(PyMemModule.builder().properties(file("pymem4j.malloc=pymalloc\n")).build());
        MessageStore store = injector.getInstance(MessageStore.class);
        byte[] hello = "hello".getBytes(StandardCharsets.UTF_8);
        long p = store.store(hello);
        assertTrue(Pymalloc.of(injector.getInstance(PyMemRuntime.class)).owns(p), "a pymalloc block");
        assertArrayEquals(hello, store.load(p, hello.length));
        store.release(p);
    }

    @Test
    void eachDomainIsBoundToThatDomainOfTheRuntime() {
        Injector injector = Guice.createInjector(PyMemModule.of("pymalloc"));
        Pymalloc pymalloc = Pymalloc.of(injector.getInstance(PyMemRuntime.class));
        for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
            PyMemAllocatorEx a = injector.getInstance(PyMemModule.allocatorKey(d));
            long p = a.malloc(64);
            assertEquals(d != RAW, pymalloc.owns(p), d + " block");
            a.free(p);
        }
    }

    @Test
    void aDomainsSegmentAllocatorIsBoundForFfmCode() {
        Injector injector = Guice.createInjector(PyMemModule.of("pymalloc"));
        PyMemRuntime rt = injector.getInstance(PyMemRuntime.class);
        SegmentAllocator objects = injector.getInstance(PyMemModule.segmentAllocatorKey(OBJ));
        MemorySegment point = objects.allocate(ValueLayout.JAVA_INT, 2);
        assertTrue(Pymalloc.of(rt).owns(point.address()));
        rt.free(OBJ, point);
    }

    @Test
    void theRuntimeIsOnePerInjector() {
        Injector injector = Guice.createInjector(PyMemModule.of("malloc"));
        assertSame(injector.getInstance(PyMemRuntime.class), injector.getInstance(PyMemRuntime.class));
        assertFalse(injector.getInstance(PyMemRuntime.class) == Guice.createInjector(PyMemModule.of("malloc"))
                .getInstance(PyMemRuntime.class));
    }

    @Test
    void anInjectedAllocatorGoesThroughLayersAddedLater() {
        Injector injector = Guice.createInjector(PyMemModule.of("malloc"));
        PyMemAllocatorEx mem = injector.getInstance(PyMemModule.allocatorKey(MEM));
        Tracemalloc tm = Tracemalloc.of(injector.getInstance(PyMemRuntime.class));
        tm.start();
        long p = mem.malloc(100);
        assertEquals(100, tm.getTracedMemory().current());
        mem.free(p);
        tm.stop();
    }

    @Test
    void aMisconfiguredInjectorFailsAtCreationWithTheKnownNames() throws IOException {
        Path f = file("pymem4j.malloc=tcmalloc\n");
        var e = assertThrows(CreationException.class, () -> Guice.createInjector(PyMemModule.builder().properties(f).build()));
        assertEquals("pymem4j: the allocator stack 'tcmalloc' (from pymem4j.malloc in " + f + ") cannot be set up:"
                + " unknown allocator 'tcmalloc'; " + KNOWN, onlyError(e));
    }

    @Test
    void aBadOptionFailsAtCreationNamingTheOptionAndTheFileThatSetIt() throws IOException {
        Path f = file("pymem4j.malloc=malloc_debug\npymem4j.debug.policy=sometimes\n");
        var e = assertThrows(CreationException.class, () -> Guice.createInjector(PyMemModule.builder().properties(f).build()));
        assertTrue(onlyError(e).contains("AllocatorSetupException: pymem4j: the allocator stack 'malloc_debug' (from"
                + " pymem4j.malloc in " + f + ") cannot be set up: option debug.policy='sometimes' is not valid:"
                + " expected throw, abort or log (debug.policy from pymem4j.debug.policy in " + f + ")"), e.getMessage());
    }

    @Test
    void anUnknownKeyInAPropertiesFileIsAWarningNotAnError() throws IOException {
        Path f = file("pymem4j.malloc=malloc_debug\npymem4j.debug.polcy=log\n");
        PyMemRuntime rt = Guice.createInjector(PyMemModule.builder().properties(f).build()).getInstance(PyMemRuntime.class);
        assertEquals("malloc_debug", rt.currentAllocatorName());
    }

    @Test
    void aMissingPropertiesFileFailsAtCreation() {
        Path missing = dir.resolve("missing.properties");
        var e = assertThrows(CreationException.class,
                () -> Guice.createInjector(PyMemModule.builder().properties(missing).build()));
        assertEquals("cannot read the pymem4j configuration: java.nio.file.NoSuchFileException: " + missing, onlyError(e));
    }

    @Test
    void theStackComesFromTheSystemProperty() {
        System.setProperty("pymem4j.malloc", "malloc_debug");
        try {
            Injector injector = Guice.createInjector(PyMemModule.fromSystemConfiguration());
            assertEquals("malloc_debug", injector.getInstance(PyMemRuntime.class).currentAllocatorName());
        } finally {
            System.clearProperty("pymem4j.malloc");
        }
    }

    @Test
    void aMisconfiguredSystemPropertyIsNamedInTheError() {
        System.setProperty("pymem4j.malloc", "pymaloc");
        try {
            var e = assertThrows(CreationException.class, () -> Guice.createInjector(PyMemModule.fromSystemConfiguration()));
            assertEquals("pymem4j: the allocator stack 'pymaloc' (from the system property pymem4j.malloc) cannot be set up:"
                    + " unknown allocator 'pymaloc'; " + KNOWN, onlyError(e));
        } finally {
            System.clearProperty("pymem4j.malloc");
        }
    }

    @Test
    void theStackComesFromTheEnvironment() {
        Injector injector = Guice.createInjector(PyMemModule.builder()
                .environment(Map.of("PYMEM4J_MALLOC", "malloc", "PYMEM4J_DEBUG_POLICY", "log")).build());
        assertEquals("malloc", injector.getInstance(PyMemRuntime.class).currentAllocatorName());
    }

    @Test
    void sourcesAreReadInTheOrderTheyWereAdded() throws IOException {
        Path f = file("pymem4j.malloc=pymalloc\n");
        Map<String, String> env = Map.of("PYMEM4J_MALLOC", "malloc");
        PyMemModule envFirst = PyMemModule.builder().environment(env).properties(f).build();
        PyMemModule fileFirst = PyMemModule.builder().properties(f).environment(env).build();
        assertEquals("malloc", Guice.createInjector(envFirst).getInstance(PyMemRuntime.class).currentAllocatorName());
        assertEquals("pymalloc", Guice.createInjector(fileFirst).getInstance(PyMemRuntime.class).currentAllocatorName());
    }

    @Test
    void anOptionIsTakenFromTheFirstSourceThatSetsIt() throws IOException {
        Path f = file("pymem4j.malloc=malloc_debug\npymem4j.debug.policy=log\n");
        PyMemModule module = PyMemModule.builder()
                .environment(Map.of("PYMEM4J_DEBUG_POLICY", "abort"))
                .properties(f)
                .build();
        PyMemRuntime rt = Guice.createInjector(module).getInstance(PyMemRuntime.class);
        assertEquals(CorruptionPolicy.ABORT, DebugHook.of(rt).orElseThrow().config().policy());
    }

    @Test
    void codeWinsOverEverySource() throws IOException {
        Path f = file("pymem4j.malloc=pymalloc_debug\npymem4j.debug.policy=log\n");
        PyMemModule module = PyMemModule.builder().stack("malloc_debug").option("debug.policy", "throw").properties(f).build();
        PyMemRuntime rt = Guice.createInjector(module).getInstance(PyMemRuntime.class);
        assertEquals("malloc_debug", rt.currentAllocatorName());
        assertEquals(CorruptionPolicy.THROW, DebugHook.of(rt).orElseThrow().config().policy());
    }

    @Test
    void withoutAnySourceTheStackIsCpythonsDefault() {
        assertEquals("pymalloc", Guice.createInjector(PyMemModule.builder().build())
                .getInstance(PyMemRuntime.class).currentAllocatorName());
        assertEquals("malloc", Guice.createInjector(PyMemModule.builder().defaultStack("malloc").build())
                .getInstance(PyMemRuntime.class).currentAllocatorName());
    }

    @Test
    void aClassPathResourceIsASource() {
        PyMemRuntime rt = Guice.createInjector(PyMemModule.builder().classpathProperties("pymem4j-test.properties").build())
                .getInstance(PyMemRuntime.class);
        assertEquals("malloc_debug", rt.currentAllocatorName());
        assertFalse(DebugHook.of(rt).orElseThrow().config().serialNumbers());
    }

    @Test
    void propertiesInCodeAreASourceWithTheirOwnName() {
        Properties p = new Properties();
        p.setProperty("pymem4j.malloc", "nosuch");
        var e = assertThrows(CreationException.class,
                () -> Guice.createInjector(PyMemModule.builder().properties(p, "the app's settings").build()));
        assertTrue(onlyError(e).startsWith("pymem4j: the allocator stack 'nosuch' (from pymem4j.malloc in the app's settings)"),
                onlyError(e));
    }

    @Test
    void theMXBeanIsRegisteredWithTheInjector() {
        Injector injector = Guice.createInjector(PyMemModule.builder().stack("pymalloc_debug").registerMXBean().build());
        try (var reg = injector.getInstance(PyMemManagement.Registration.class)) {
            assertTrue(ManagementFactory.getPlatformMBeanServer().isRegistered(reg.objectName()));
            assertEquals("pymalloc_debug", reg.objectName().getKeyProperty("name"));
        }
    }

    @Test
    void theDomainQualifierEqualsTheAnnotationOnAParameter() throws NoSuchMethodException {
        Domain onParameter = MessageStore.class.getDeclaredConstructor(PyMemAllocatorEx.class)
                .getParameters()[0].getAnnotation(Domain.class);
        Domain inCode = PyMemModule.domain(MEM);
        assertEquals(onParameter, inCode);
        assertEquals(inCode, onParameter);
        assertEquals(onParameter.hashCode(), inCode.hashCode());
        assertEquals(onParameter.toString().replace("io.pymem4j.api.PyMemAllocatorDomain.", ""), inCode.toString());
        assertInstanceOf(Domain.class, inCode);
    }
}
