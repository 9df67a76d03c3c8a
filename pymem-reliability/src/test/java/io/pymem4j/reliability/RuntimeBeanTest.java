package io.pymem4j.reliability;

import io.pymem4j.runtime.PyMemManagement;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.runtime.PyMemRuntimeMXBean;
import io.pymem4j.tracemalloc.Tracemalloc;
import org.junit.jupiter.api.Test;

import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every layer's figures in one runtime's MXBean, read through the platform MBean server as
 * JConsole reads them: each layer module's contributor (allocator-pymalloc, allocator-debug,
 * allocator-tracemalloc) adds its section, found through {@code META-INF/services}.
 */
class RuntimeBeanTest {

    private static final MBeanServer SERVER = ManagementFactory.getPlatformMBeanServer();

    /** The Statistics attribute as a JMX client receives it: open data, a table of key/value rows. */
    private static Map<String, Long> statistics(ObjectName name) throws Exception {
        TabularData table = (TabularData) SERVER.getAttribute(name, "Statistics");
        Map<String, Long> figures = new TreeMap<>();
        for (Object row : table.values()) {
            CompositeData entry = (CompositeData) row;
            figures.put((String) entry.get("key"), (Long) entry.get("value"));
        }
        return figures;
    }

    @Test
    void aPymallocDebugRuntimeWithTracemallocShowsEveryLayersFigures() throws Exception {
        PyMemRuntime rt = PyMemRuntime.create("pymalloc_debug");
        Tracemalloc tm = Tracemalloc.of(rt);
        tm.start(5);
        try (var reg = PyMemManagement.register(rt)) {
            long a = rt.memMalloc(100);
            long b = rt.memMalloc(100);
            long c = rt.objectMalloc(100);
            long r = rt.rawMalloc(1000);

            Map<String, Long> f = statistics(reg.objectName());
            assertEquals("io.pymem4j:type=PyMemRuntime,name=pymalloc+debug+tracemalloc,id=" + reg.objectName().getKeyProperty("id"),
                    reg.objectName().toString());
            assertEquals(200L, f.get("tracemalloc.MEM.current"));
            assertEquals(2L, f.get("tracemalloc.MEM.blocks"));
            assertEquals(100L, f.get("tracemalloc.OBJ.current"));
            assertEquals(1000L, f.get("tracemalloc.RAW.current"));
            assertEquals(1300L, f.get("tracemalloc.current"));
            assertEquals(1L, f.get("tracemalloc.tracing"));
            assertEquals(5L, f.get("tracemalloc.tracebackLimit"));
            assertEquals(4L, f.get("debug.blocks.live"));
            assertEquals(4L, f.get("debug.serialNumber"));
            assertEquals(1L, f.get("pymalloc.arenas.allocated"));
            assertEquals(3L, f.get("pymalloc.blocks.allocated"));
            assertEquals(1L << 20, f.get("pymalloc.arenas.bytes"));

            rt.memFree(a);
            rt.memFree(b);
            rt.objectFree(c);
            rt.rawFree(r);
            f = statistics(reg.objectName());
            assertEquals(0L, f.get("tracemalloc.current"));
            assertEquals(1300L, f.get("tracemalloc.peak"));
            assertEquals(0L, f.get("debug.blocks.live"));
            assertEquals(0L, f.get("pymalloc.blocks.allocated"));
        } finally {
            tm.stop();
        }
    }

    @Test
    void aMallocRuntimeHasNoLayerFigures() {
        try (var reg = PyMemManagement.register(PyMemRuntime.create("malloc"))) {
            PyMemRuntimeMXBean proxy = JMX.newMXBeanProxy(SERVER, reg.objectName(), PyMemRuntimeMXBean.class);
            assertEquals(Map.of(), proxy.getStatistics());
            assertEquals("malloc", proxy.getAllocatorName());
        }
    }
}
