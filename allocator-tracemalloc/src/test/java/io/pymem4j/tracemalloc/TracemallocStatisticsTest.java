package io.pymem4j.tracemalloc;

import io.pymem4j.runtime.PyMemManagement;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.runtime.PyMemRuntimeMXBean;
import org.junit.jupiter.api.Test;

import javax.management.JMX;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The tracemalloc section of a registered runtime's MXBean, read through the platform MBean server. */
class TracemallocStatisticsTest {

    private static Map<String, Long> statistics(ObjectName name) {
        return JMX.newMXBeanProxy(ManagementFactory.getPlatformMBeanServer(), name, PyMemRuntimeMXBean.class)
                .getStatistics();
    }

    @Test
    void aTracingRuntimeShowsTheTracedBytesAndBlocksOfEachDomain() {
        PyMemRuntime rt = PyMemRuntime.create("malloc+tracemalloc");
        Tracemalloc tm = Tracemalloc.of(rt);
        tm.start(5);
        try (var reg = PyMemManagement.register(rt)) {
            rt.memMalloc(100);
            rt.memMalloc(100);
            rt.objectMalloc(100);
            rt.rawMalloc(1000);
            assertEquals(Map.ofEntries(
                    Map.entry("tracemalloc.tracing", 1L),
                    Map.entry("tracemalloc.tracebackLimit", 5L),
                    Map.entry("tracemalloc.samplingInterval", 0L),
                    Map.entry("tracemalloc.current", 1300L),
                    Map.entry("tracemalloc.peak", 1300L),
                    Map.entry("tracemalloc.memory", tm.getTracemallocMemory()),
                    Map.entry("tracemalloc.RAW.current", 1000L),
                    Map.entry("tracemalloc.RAW.blocks", 1L),
                    Map.entry("tracemalloc.MEM.current", 200L),
                    Map.entry("tracemalloc.MEM.blocks", 2L),
                    Map.entry("tracemalloc.OBJ.current", 100L),
                    Map.entry("tracemalloc.OBJ.blocks", 1L)), statistics(reg.objectName()));
        } finally {
            tm.stop();
        }
    }

    @Test
    void thePeakStaysWhenTheBlocksAreFreed() {
        PyMemRuntime rt = PyMemRuntime.create("malloc+tracemalloc");
        Tracemalloc tm = Tracemalloc.of(rt);
        tm.start(1);
        try (var reg = PyMemManagement.register(rt)) {
            rt.memFree(rt.memMalloc(100));
            rt.rawFree(rt.rawMalloc(1000));
            Map<String, Long> f = statistics(reg.objectName());
            assertEquals(0L, f.get("tracemalloc.current"));
            assertEquals(1000L, f.get("tracemalloc.peak"));
            assertEquals(0L, f.get("tracemalloc.MEM.current"));
            assertEquals(0L, f.get("tracemalloc.RAW.blocks"));
        } finally {
            tm.stop();
        }
    }

    @Test
    void theFiguresAreZeroWhileTheLayerIsIdle() {
        PyMemRuntime rt = PyMemRuntime.create("malloc+tracemalloc");
        try (var reg = PyMemManagement.register(rt)) {
            rt.memFree(rt.memMalloc(64));
            assertEquals(Map.ofEntries(
                    Map.entry("tracemalloc.tracing", 0L),
                    Map.entry("tracemalloc.tracebackLimit", 1L),
                    Map.entry("tracemalloc.samplingInterval", 0L),
                    Map.entry("tracemalloc.current", 0L),
                    Map.entry("tracemalloc.peak", 0L),
                    Map.entry("tracemalloc.memory", 0L),
                    Map.entry("tracemalloc.RAW.current", 0L),
                    Map.entry("tracemalloc.RAW.blocks", 0L),
                    Map.entry("tracemalloc.MEM.current", 0L),
                    Map.entry("tracemalloc.MEM.blocks", 0L),
                    Map.entry("tracemalloc.OBJ.current", 0L),
                    Map.entry("tracemalloc.OBJ.blocks", 0L)), statistics(reg.objectName()));
        }
    }

    @Test
    void aSampledRuntimeShowsItsIntervalAndEstimates() {
        PyMemRuntime rt = PyMemRuntime.create("malloc+tracemalloc");
        Tracemalloc tm = Tracemalloc.of(rt);
        tm.start(1, 4096);
        try (var reg = PyMemManagement.register(rt)) {
            long big = rt.rawMalloc(100 * 4096); // sampled but for a chance of e^-100, and weighing 1
            Map<String, Long> f = statistics(reg.objectName());
            assertEquals(4096L, f.get("tracemalloc.samplingInterval"));
            assertEquals(100L * 4096, f.get("tracemalloc.RAW.current"));
            assertEquals(1L, f.get("tracemalloc.RAW.blocks"));
            assertEquals(100L * 4096, f.get("tracemalloc.current"));
            rt.rawFree(big);
        } finally {
            tm.stop();
        }
    }

    @Test
    void aStackWithoutTheLayerHasNoTracemallocSection() {
        try (var reg = PyMemManagement.register(PyMemRuntime.create("malloc"))) {
            assertEquals(Map.of(), statistics(reg.objectName()));
        }
    }
}
