package io.pymem4j.runtime;

import io.pymem4j.spi.RuntimeStatistics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.MBeanRegistrationException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.NotCompliantMBeanException;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Registers runtimes as {@link PyMemRuntimeMXBean}s, so JConsole shows their stack and the
 * figures of their layers.
 *
 * <h2>Object name</h2>
 * <pre>
 *   io.pymem4j:type=PyMemRuntime,name=&lt;stack&gt;,id=&lt;n&gt;
 *   e.g. io.pymem4j:type=PyMemRuntime,name=pymalloc_debug,id=1
 * </pre>
 * {@code name} is the stack's name at registration (quoted when it holds a character an
 * object name reserves); {@code id} numbers registrations in this JVM from 1, so two runtimes
 * with one stack have two beans. Query them all with {@code io.pymem4j:type=PyMemRuntime,*}.
 *
 * <h2>Figures</h2>
 * The {@link RuntimeStatistics} contributors are found with {@link ServiceLoader} (the
 * thread's context class loader) when the bean is made, and asked on every read. A
 * contributor that throws is logged and left out of that read.
 *
 * <p>A registered bean holds its runtime: close the {@link Registration} when the runtime is
 * done with, or close the runtime, which closes its registrations. A closed runtime cannot
 * be registered ({@link IllegalStateException}).
 *
 * @since 0.1
 */
public final class PyMemManagement {

    /** The object name domain of every pymem4j bean. */
    public static final String DOMAIN = "io.pymem4j";
    /** The {@code type} key of a runtime's bean. */
    public static final String TYPE = "PyMemRuntime";

    private static final Logger log = LoggerFactory.getLogger(PyMemManagement.class);
    private static final AtomicLong ids = new AtomicLong();

    private PyMemManagement() {
    }

    /** A registered bean; closing it unregisters the bean (once). */
    public record Registration(ObjectName objectName, MBeanServer server) implements AutoCloseable {
        @Override
        public void close() {
            try {
                server.unregisterMBean(objectName);
            } catch (InstanceNotFoundException e) {
                // Already unregistered: closing twice is harmless.
            } catch (MBeanRegistrationException e) {
                throw new IllegalStateException("cannot unregister " + objectName, e);
            }
        }
    }

    /** Registers {@code runtime}'s bean with the platform MBean server. */
    public static Registration register(PyMemRuntime runtime) {
        return register(runtime, ManagementFactory.getPlatformMBeanServer());
    }

    /** Registers {@code runtime}'s bean with {@code server}, under the next id. */
    public static Registration register(PyMemRuntime runtime, MBeanServer server) {
        Objects.requireNonNull(server, "server");
        runtime.checkOpen();
        PyMemRuntimeMXBean bean = mxBean(runtime);
        ObjectName name = objectName(runtime.stackSpec().name(), ids.incrementAndGet());
        try {
            server.registerMBean(bean, name);
        } catch (InstanceAlreadyExistsException | MBeanRegistrationException | NotCompliantMBeanException e) {
            throw new IllegalStateException("cannot register " + name, e);
        }
        log.debug("registered {}", name);
        Registration registration = new Registration(name, server);
        runtime.registered(registration);
        return registration;
    }

    /** The object name of the bean of a runtime with stack {@code stack} and registration {@code id}. */
    public static ObjectName objectName(String stack, long id) {
        String value = stack.chars().anyMatch(c -> ",=:\"*?\n".indexOf(c) >= 0) ? ObjectName.quote(stack) : stack;
        try {
            return new ObjectName(DOMAIN + ":type=" + TYPE + ",name=" + value + ",id=" + id);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException("no object name for the stack '" + stack + "'", e);
        }
    }

    /** The bean of {@code runtime}, not registered (to read it in-process or register it elsewhere). */
    public static PyMemRuntimeMXBean mxBean(PyMemRuntime runtime) {
        return new RuntimeBean(Objects.requireNonNull(runtime, "runtime"), contributors());
    }

    private static List<RuntimeStatistics> contributors() {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        return List.copyOf(Services.load(RuntimeStatistics.class,
                loader != null ? loader : PyMemManagement.class.getClassLoader(),
                f -> log.warn("skipping a statistics contributor that could not be loaded: {}", f.describe())));
    }

    private record RuntimeBean(PyMemRuntime runtime, List<RuntimeStatistics> contributors) implements PyMemRuntimeMXBean {

        @Override
        public String getAllocatorName() {
            return runtime.currentAllocatorName();
        }

        @Override
        public String getStack() {
            return runtime.stackSpec().name();
        }

        @Override
        public String getBackend() {
            return runtime.stackSpec().backend();
        }

        @Override
        public List<String> getHooks() {
            return runtime.stackSpec().hooks();
        }

        @Override
        public boolean isGilMode() {
            return runtime.gilMode();
        }

        @Override
        public Map<String, Long> getStatistics() {
            SortedMap<String, Long> figures = new TreeMap<>();
            for (RuntimeStatistics c : contributors) {
                try {
                    c.collect(runtime, figures);
                } catch (RuntimeException e) {
                    log.warn("statistics contributor {} failed", c.getClass().getName(), e);
                }
            }
            return figures;
        }
    }
}
