/**
 * pymem4j's allocator contract ({@code io.pymem4j.api}), provider SPI ({@code io.pymem4j.spi})
 * and runtime ({@code io.pymem4j.runtime}). Providers join through {@link java.util.ServiceLoader}:
 * a module {@code provides io.pymem4j.spi.AllocatorProvider} (and optionally
 * {@code io.pymem4j.spi.RuntimeStatistics}).
 */
module io.pymem4j.api {
    requires org.slf4j;
    // PyMemManagement.Registration hands out an ObjectName and an MBeanServer.
    requires transitive java.management;
    // BlockLimit's default: physical memory and swap (com.sun.management.OperatingSystemMXBean).
    requires jdk.management;

    exports io.pymem4j.api;
    exports io.pymem4j.spi;
    exports io.pymem4j.runtime;

    uses io.pymem4j.spi.AllocatorProvider;
    uses io.pymem4j.spi.RuntimeStatistics;
}
