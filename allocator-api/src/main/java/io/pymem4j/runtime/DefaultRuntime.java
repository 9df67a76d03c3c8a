package io.pymem4j.runtime;

import io.pymem4j.api.AllocatorSetupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process-wide runtime that {@link PyMemRuntime#getDefault()} returns: made on first use
 * from the configured stack name, its MXBean registered when the option
 * {@value PyMemRuntime#JMX_OPTION} says so, and forgotten when it closes so that the next
 * call makes a new one.
 */
final class DefaultRuntime {

    /** The runtime's own logger: what it logs is the runtime's. */
    private static final Logger log = LoggerFactory.getLogger(PyMemRuntime.class);
    private static volatile PyMemRuntime current;

    private DefaultRuntime() {
    }

    /** See {@link PyMemRuntime#getDefault()}. */
    static PyMemRuntime get() {
        PyMemRuntime r = current;
        if (r == null) {
            synchronized (DefaultRuntime.class) {
                r = current;
                if (r == null) {
                    // Before the name: on an unsupported platform the name is not what is wrong.
                    SupportedPlatform.require();
                    String name = configuredAllocator();
                    try {
                        r = create(name);
                    } catch (AllocatorSetupException e) {
                        throw new AllocatorSetupException(PyMemRuntime.MALLOC_PROPERTY + "/" + PyMemRuntime.MALLOC_ENV
                                + "='" + name + "': " + e.getMessage(), e);
                    }
                    current = r;
                }
            }
        }
        return r;
    }

    /** A runtime as {@link #get()} makes it: the stack {@code name}, its bean registered when {@value PyMemRuntime#JMX_OPTION} says so. */
    static PyMemRuntime create(String name) {
        PyMemRuntime r = PyMemRuntime.create(name);
        if (r.booleanOption(PyMemRuntime.JMX_OPTION)) {
            // Held for the JVM's life, as the default runtime is.
            PyMemManagement.Registration registration = PyMemManagement.register(r);
            log.info("registered the default runtime's MXBean as {}", registration.objectName());
        }
        return r;
    }

    /** See {@link PyMemRuntime#configuredAllocator()}. */
    static String configuredAllocator() {
        String name = System.getProperty(PyMemRuntime.MALLOC_PROPERTY);
        if (name == null) {
            name = System.getenv(PyMemRuntime.MALLOC_ENV);
        }
        return name == null ? "" : name;
    }

    /** Stops {@code closed} being the default runtime, if it is. */
    static void forget(PyMemRuntime closed) {
        synchronized (DefaultRuntime.class) {
            if (current == closed) {
                current = null;
            }
        }
    }
}
