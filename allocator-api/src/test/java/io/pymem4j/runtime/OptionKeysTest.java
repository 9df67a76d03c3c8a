package io.pymem4j.runtime;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Unknown keys in system properties, the environment and described sources are warnings,
 * once each, naming the key and the closest known one; they do not stop a runtime.
 */
class OptionKeysTest {

    private static final String PROPERTY = "pymem4j.gill";

    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(OptionKeys.class);

    @BeforeEach
    void capture() {
        logged.start();
        logger.addAppender(logged);
    }

    @AfterEach
    void release() {
        logger.detachAppender(logged);
        System.clearProperty(PROPERTY);
    }

    private List<String> warnings() {
        return logged.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage).toList();
    }

    /** The CPython-like registry, with a debug layer that reads debug.policy and debug.serialno. */
    private static ProviderRegistry withDebugOptions() {
        return ProviderRegistry.of(
                TestBackends.Backend.all("malloc"),
                new TestBackends.HookLayer("debug", false) {
                    @Override
                    public Set<String> optionKeys() {
                        return Set.of("debug.policy", "debug.serialno");
                    }
                });
    }

    @Test
    void anUnknownKeyInASystemPropertyIsWarnedAboutOnceNamingItAndTheClosestKnownKey() {
        System.setProperty(PROPERTY, "true");
        PyMemRuntime.builder().registry(StackSpecTest.cpythonLike()).allocator("malloc").build();
        PyMemRuntime.builder().registry(StackSpecTest.cpythonLike()).allocator("malloc").build();
        assertEquals(List.of("system property pymem4j.gill names no pymem4j option: 'gill' is unknown and ignored;"
                + " known options: [gil, jmx, malloc, max.block]; did you mean pymem4j.gil?"), warnings());
    }

    @Test
    void anUnknownKeyInTheEnvironmentIsWarnedAboutInTheEnvironmentsSpelling() {
        OptionKeys.warnConfigured(withDebugOptions(), Map.of(), Map.of("PYMEM4J_DEBUG_POLCY", "log", "PATH", "/bin"));
        assertEquals(List.of("environment variable PYMEM4J_DEBUG_POLCY names no pymem4j option: 'debug.polcy' is unknown"
                + " and ignored; known options: [debug.policy, debug.serialno, gil, jmx, malloc, max.block];"
                + " did you mean PYMEM4J_DEBUG_POLICY?"), warnings());
    }

    @Test
    void aKnownKeyInTheEnvironmentIsNotWarnedAbout() {
        OptionKeys.warnConfigured(withDebugOptions(), Map.of(),
                Map.of("PYMEM4J_DEBUG_SERIALNO", "false", "PYMEM4J_MAX_BLOCK", "1g", "PYMEM4J_CLASSPATH", "/opt/acme.jar"));
        assertEquals(List.of(), warnings());
    }

    @Test
    void aTypoInANamespaceNoProviderOwnsIsWarnedAbout() {
        OptionKeys.warnConfigured(withDebugOptions(), Map.of("pymem4j.debg.policy", "log"), Map.of());
        assertEquals(List.of("system property pymem4j.debg.policy names no pymem4j option: 'debg.policy' is unknown and"
                + " ignored; known options: [debug.policy, debug.serialno, gil, jmx, malloc, max.block];"
                + " did you mean pymem4j.debug.policy?"), warnings());
    }

    @Test
    void aKeyOfAnotherModulesNamespaceIsNotWarnedAbout() {
        OptionKeys.warnConfigured(withDebugOptions(),
                Map.of("pymem4j.cpython.library", "/opt/libpython3.so", "pymem4j.log.level", "DEBUG"), Map.of());
        assertEquals(List.of(), warnings());
    }

    @Test
    void anUnknownKeyFromADescribedSourceIsWarnedAboutNamingTheSource() {
        PyMemRuntime.builder().registry(withDebugOptions()).allocator("malloc+debug")
                .option("debug.serialnum", "false", "pymem4j.debug.serialnum in /etc/app.properties").build();
        assertEquals(List.of("pymem4j.debug.serialnum in /etc/app.properties names no pymem4j option: 'debug.serialnum'"
                + " is unknown and ignored; known options: [debug.policy, debug.serialno, gil, jmx, malloc, max.block];"
                + " did you mean debug.serialno?"), warnings());
    }

    @Test
    void theEditDistanceCountsInsertsDeletesAndReplacements() {
        assertEquals(0, OptionKeys.distance("gil", "gil"));
        assertEquals(1, OptionKeys.distance("gill", "gil"));
        assertEquals(1, OptionKeys.distance("gl", "gil"));
        assertEquals(1, OptionKeys.distance("gol", "gil"));
        assertEquals(3, OptionKeys.distance("", "gil"));
        assertEquals(1, OptionKeys.distance("debug.polcy", "debug.policy"));
    }
}
