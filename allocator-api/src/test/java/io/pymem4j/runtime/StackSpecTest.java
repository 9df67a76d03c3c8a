package io.pymem4j.runtime;

import io.pymem4j.api.AllocatorSetupException;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.spi.Availability;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StackSpecTest {

    /** Every provider CPython's names need, as test doubles. */
    static ProviderRegistry cpythonLike() {
        return ProviderRegistry.of(
                TestBackends.Backend.all("malloc"),
                TestBackends.Backend.small("pymalloc"),
                TestBackends.Backend.small("mimalloc"),
                new TestBackends.HookLayer("debug", false),
                new TestBackends.HookLayer("tracemalloc", true));
    }

    @ParameterizedTest(name = "''{0}'' is named ''{1}''")
    @CsvSource(delimiterString = "->", value = {
            "''             -> pymalloc",
            "default        -> pymalloc",
            "debug          -> pymalloc_debug",
            "pymalloc       -> pymalloc",
            "pymalloc_debug -> pymalloc_debug",
            "malloc         -> malloc",
            "malloc_debug   -> malloc_debug",
            "mimalloc       -> mimalloc",
            "mimalloc_debug -> mimalloc_debug",
    })
    void eachCpythonNameIsNamedAsCpythonNamesIt(String name, String expected) {
        assertEquals(expected, StackSpec.parse(name, cpythonLike()).name());
    }

    @ParameterizedTest(name = "''{0}'' is named ''{1}''")
    @CsvSource(delimiterString = "->", value = {
            "pymalloc+debug             -> pymalloc_debug",
            "malloc+tracemalloc         -> malloc+tracemalloc",
            "pymalloc+debug+tracemalloc -> pymalloc+debug+tracemalloc",
            "debug+tracemalloc          -> pymalloc+debug+tracemalloc",
            "pymalloc_debug+tracemalloc -> pymalloc+debug+tracemalloc",
            "malloc+tracemalloc+debug   -> malloc+tracemalloc+debug",
            "' malloc + debug '         -> malloc_debug",
    })
    void composedNamesAreNamedInCanonicalForm(String name, String expected) {
        assertEquals(expected, StackSpec.parse(name, cpythonLike()).name());
    }

    @Test
    void debugIsTheDefaultBackendWithTheDebugHook() {
        StackSpec spec = StackSpec.parse("debug", cpythonLike());
        assertEquals(new StackSpec("pymalloc", List.of("debug")), spec);
    }

    @Test
    void defaultIsMallocWhereNoPymallocProviderIsPresent() {
        ProviderRegistry noPymalloc = ProviderRegistry.of(TestBackends.Backend.all("malloc"),
                new TestBackends.HookLayer("debug", false));
        assertEquals("malloc", StackSpec.parse("default", noPymalloc).name());
        assertEquals("malloc_debug", StackSpec.parse("debug", noPymalloc).name());
    }

    @Test
    void anUnknownNameIsAnErrorListingTheKnownNames() {
        var e = assertThrows(AllocatorSetupException.class, () -> StackSpec.parse("bogus", cpythonLike()));
        assertEquals("unknown allocator 'bogus'; known: CPython names default, debug, pymalloc, pymalloc_debug, malloc,"
                + " malloc_debug, mimalloc, mimalloc_debug; backends malloc, mimalloc, pymalloc; hooks debug, tracemalloc;"
                + " or a composition such as pymalloc+debug+tracemalloc", e.getMessage());
    }

    @Test
    void anUnknownHookIsAnErrorListingTheKnownNames() {
        var e = assertThrows(AllocatorSetupException.class, () -> StackSpec.parse("malloc+bogus", cpythonLike()));
        assertTrue(e.getMessage().startsWith("unknown allocator 'bogus'; known: "), e.getMessage());
    }

    @Test
    void aWellKnownNameWithoutItsProviderSaysWhatProvidesIt() {
        ProviderRegistry noMimalloc = ProviderRegistry.of(TestBackends.Backend.all("malloc"));
        var e = assertThrows(AllocatorSetupException.class, () -> StackSpec.parse("mimalloc_debug", noMimalloc));
        assertTrue(e.getMessage().startsWith("allocator 'mimalloc' is not available: it is provided by the module"
                + " io.pymem4j:allocator-mimalloc with the native library libmimalloc (Debian package libmimalloc2.0),"
                + " which is not on the class path; known: "), e.getMessage());
    }

    @Test
    void anUnavailableProviderGivesItsReason() {
        ProviderRegistry registry = ProviderRegistry.of(TestBackends.Backend.all("malloc"),
                new TestBackends.Backend("fast", EnumSet.of(PyMemAllocatorDomain.MEM),
                        Availability.unavailable("libfast.so.1 not found (apt-get install libfast1)")));
        var e = assertThrows(AllocatorSetupException.class, () -> StackSpec.parse("fast", registry));
        assertEquals("allocator 'fast' is not available: libfast.so.1 not found (apt-get install libfast1)", e.getMessage());
    }

    @Test
    void aHookCannotBeTheBackend() {
        var e = assertThrows(AllocatorSetupException.class, () -> StackSpec.parse("tracemalloc", cpythonLike()));
        assertTrue(e.getMessage().startsWith("'tracemalloc' is a hook, not a backend: a stack is one backend followed by"
                + " hooks, e.g. pymalloc+debug+tracemalloc; known: "), e.getMessage());
    }

    @Test
    void aBackendCannotBeAHook() {
        var e = assertThrows(AllocatorSetupException.class, () -> StackSpec.parse("malloc+pymalloc", cpythonLike()));
        assertTrue(e.getMessage().startsWith("'pymalloc' is a backend, not a hook: "), e.getMessage());
    }

    @Test
    void anEmptyLayerNameIsAnError() {
        var e = assertThrows(AllocatorSetupException.class, () -> StackSpec.parse("malloc++debug", cpythonLike()));
        assertTrue(e.getMessage().startsWith("allocator 'malloc++debug' has an empty layer name; known: "), e.getMessage());
    }

    @Test
    void aMissingBackendBeforePlusIsAnError() {
        var e = assertThrows(AllocatorSetupException.class, () -> StackSpec.parse("+debug", cpythonLike()));
        assertTrue(e.getMessage().startsWith("allocator '+debug' has no backend before '+'; known: "), e.getMessage());
    }

    @Test
    void aHookNamedTwiceIsAnError() {
        var e = assertThrows(AllocatorSetupException.class, () -> StackSpec.parse("malloc_debug+debug", cpythonLike()));
        assertEquals("allocator 'malloc_debug+debug' names the hook 'debug' twice", e.getMessage());
    }

    @Test
    void theDebugSuffixOnADebugStackNamesWhatIsWrong() {
        var e = assertThrows(AllocatorSetupException.class, () -> StackSpec.parse("pymalloc_debug_debug", cpythonLike()));
        assertEquals("allocator 'pymalloc_debug_debug': the _debug suffix applies to a backend name, and 'pymalloc_debug'"
                + " is already a debug stack", e.getMessage());
    }

    @Test
    void theDebugSuffixOnDebugNamesWhatIsWrong() {
        var e = assertThrows(AllocatorSetupException.class, () -> StackSpec.parse("debug_debug", cpythonLike()));
        assertEquals("allocator 'debug_debug': the _debug suffix applies to a backend name, and 'debug' is already a"
                + " debug stack", e.getMessage());
    }
}
