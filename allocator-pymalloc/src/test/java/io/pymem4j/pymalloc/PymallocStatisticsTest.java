package io.pymem4j.pymalloc;

import io.pymem4j.runtime.PyMemManagement;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.runtime.PyMemRuntimeMXBean;
import org.junit.jupiter.api.Test;

import javax.management.JMX;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The pymalloc section of a registered runtime's MXBean, read through the platform MBean server. */
class PymallocStatisticsTest {

    private static Map<String, Long> statistics(ObjectName name) {
        return JMX.newMXBeanProxy(ManagementFactory.getPlatformMBeanServer(), name, PyMemRuntimeMXBean.class)
                .getStatistics();
    }

    @Test
    void aPymallocRuntimeShowsItsArenasAndBlocks() {
        PyMemRuntime rt = PyMemRuntime.create("pymalloc");
        try (Pymalloc pm = Pymalloc.of(rt); var reg = PyMemManagement.register(rt)) {
            rt.memMalloc(100);
            rt.memMalloc(100);
            rt.objectMalloc(100);
            rt.memMalloc(1000);
            assertEquals(Map.of(
                    "pymalloc.arenas.allocated", 1L,
                    "pymalloc.arenas.highwater", 1L,
                    "pymalloc.arenas.total", 1L,
                    "pymalloc.arenas.reclaimed", 0L,
                    "pymalloc.arenas.bytes", 1L << 20,
                    "pymalloc.arenas.bytes.peak", 1L << 20,
                    "pymalloc.pools.unused", pm.stats().unusedPools(),
                    "pymalloc.blocks.allocated", 4L,
                    "pymalloc.blocks.raw", 1L,
                    "pymalloc.bytes.allocated", 3 * 112L), statistics(reg.objectName()));
        }
    }

    @Test
    void freedBlocksLeaveTheBlockFigures() {
        PyMemRuntime rt = PyMemRuntime.create("pymalloc");
        try (Pymalloc _ = Pymalloc.of(rt); var reg = PyMemManagement.register(rt)) {
            rt.memFree(rt.memMalloc(100));
            rt.memFree(rt.memMalloc(1000));
            Map<String, Long> f = statistics(reg.objectName());
            assertEquals(0L, f.get("pymalloc.blocks.allocated"));
            assertEquals(0L, f.get("pymalloc.blocks.raw"));
            assertEquals(0L, f.get("pymalloc.bytes.allocated"));
        }
    }

    @Test
    void aRuntimeWithoutPymallocHasNoPymallocSection() {
        try (var reg = PyMemManagement.register(PyMemRuntime.create("malloc"))) {
            assertEquals(Map.of(), statistics(reg.objectName()));
        }
    }
}
