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

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Unknown keys in system properties are warnings, once each, naming the key; they do not stop a runtime. */
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

    @Test
    void anUnknownKeyInASystemPropertyIsWarnedAboutOnceNamingIt() {
        System.setProperty(PROPERTY, "true");
        PyMemRuntime.builder().registry(StackSpecTest.cpythonLike()).allocator("malloc").build();
        PyMemRuntime.builder().registry(StackSpecTest.cpythonLike()).allocator("malloc").build();
        List<String> warnings = logged.list.stream().filter(e -> e.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage).toList();
        assertEquals(List.of("system property pymem4j.gill names no pymem4j option: 'gill' is unknown and ignored;"
                + " known options: [gil, malloc, max.block]"), warnings);
    }
}
