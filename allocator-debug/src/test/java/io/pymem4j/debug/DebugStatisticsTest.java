package io.pymem4j.debug;

import io.pymem4j.runtime.PyMemManagement;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.runtime.PyMemRuntimeMXBean;
import org.junit.jupiter.api.Test;

import javax.management.JMX;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The debug section of a registered runtime's MXBean, read through the platform MBean server. */
class DebugStatisticsTest {

    private static Map<String, Long> statistics(ObjectName name) {
        return JMX.newMXBeanProxy(ManagementFactory.getPlatformMBeanServer(), name, PyMemRuntimeMXBean.class)
                .getStatistics();
    }

    @Test
    void aDebugRuntimeShowsItsLiveBlocksAndSerialNumber() {
        PyMemRuntime rt = PyMemRuntime.create("malloc_debug");
        try (var reg = PyMemManagement.register(rt)) {
            rt.memMalloc(16);
            rt.rawMalloc(16);
            rt.objectFree(rt.objectMalloc(16));
            Map<String, Long> f = statistics(reg.objectName());
            assertEquals(Map.of(
                    "debug.blocks.live", 2L,
                    "debug.serialNumber", 3L,
                    "debug.quarantine.blocks", 0L,
                    "debug.quarantine.bytes", 0L,
                    "debug.table.bytes", DebugHook.of(rt).orElseThrow().tableBytes()), f);
        }
    }

    @Test
    void theTableFigureCountsAtLeastOneLeafAndMidNodeOnceABlockWasMade() {
        PyMemRuntime rt = PyMemRuntime.create("malloc_debug");
        try (var reg = PyMemManagement.register(rt)) {
            assertEquals(0L, statistics(reg.objectName()).get("debug.table.bytes"));
            rt.memFree(rt.memMalloc(16));
            assertTrue(statistics(reg.objectName()).get("debug.table.bytes") >= LeafTree.MID_BYTES + LeafTree.LEAF_BYTES);
        }
    }

    @Test
    void theQuarantineFiguresCountTheFreedBlocksHeldBack() {
        PyMemRuntime rt = PyMemRuntime.builder().allocator("malloc_debug").option(DebugConfig.QUARANTINE_BYTES, "64k").build();
        try (var reg = PyMemManagement.register(rt)) {
            rt.memFree(rt.memMalloc(16));
            rt.memFree(rt.memMalloc(100));
            Map<String, Long> f = statistics(reg.objectName());
            assertEquals(2L, f.get("debug.quarantine.blocks"));
            assertEquals(16 + 100 + 2 * 32L, f.get("debug.quarantine.bytes"), "data and the layer's 32 bytes of each");
        }
    }

    @Test
    void aStackWithoutTheDebugLayerHasNoDebugSection() {
        try (var reg = PyMemManagement.register(PyMemRuntime.create("malloc"))) {
            assertEquals(Map.of(), statistics(reg.objectName()));
        }
    }
}
