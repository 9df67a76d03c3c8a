package io.pymem4j.guard;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.runtime.PyMemManagement;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.runtime.PyMemRuntimeMXBean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.management.JMX;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The guard layer in the stacks the issue names, and its figures in the runtime MXBean. */
class GuardStackTest {

    @ParameterizedTest
    @ValueSource(strings = {"pymalloc+guard", "malloc+guard", "pymalloc+guard+tracemalloc"})
    void theGuardServesEveryDomainOfTheStack(String stack) {
        PyMemRuntime rt = PyMemRuntime.builder().allocator(stack).option(GuardConfig.SAMPLE, "3")
                .option(GuardConfig.SEED, "1").build();
        assertEquals(stack, rt.stackSpec().name());
        assertTrue(rt.stackSpec().hooks().contains("guard"));
        for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
            long[] blocks = new long[300];
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = rt.getAllocator(d).malloc(1 + i);
            }
            for (long p : blocks) {
                rt.getAllocator(d).free(p);
            }
        }
        GuardHook g = GuardHook.of(rt).orElseThrow();
        assertTrue(g.sampledBlocks() > 100, g.sampledBlocks() + " of 900 sampled at one in 3");
        assertEquals(0, g.problemsFound());
    }

    @Test
    void theGuardWrapsTheBackendDirectlyInPymallocGuard() {
        PyMemRuntime rt = PyMemRuntime.create("pymalloc+guard");
        assertInstanceOf(GuardAllocator.class, rt.getAllocator(PyMemAllocatorDomain.OBJ));
        assertEquals(List.of("guard"), rt.stackSpec().hooks());
    }

    @Test
    void theMxBeanShowsBlocksSampledCheckedAndProblemsFound() {
        PyMemRuntime rt = PyMemRuntime.builder().allocator("malloc+guard").option(GuardConfig.SAMPLE, "1")
                .option(GuardConfig.POLICY, "log").build();
        try (var reg = PyMemManagement.register(rt)) {
            long p = rt.memMalloc(16);
            rt.memFree(rt.memMalloc(16));
            rt.memFree(p);
            rt.memFree(p);
            rt.memMalloc(1 << 20);
            Map<String, Long> f = JMX.newMXBeanProxy(ManagementFactory.getPlatformMBeanServer(), reg.objectName(),
                    PyMemRuntimeMXBean.class).getStatistics();
            assertEquals(2L, f.get("guard.blocks.sampled"));
            assertEquals(2L, f.get("guard.blocks.checked"));
            assertEquals(1L, f.get("guard.problems"));
            assertEquals(1L, f.get("guard.blocks.tooLarge"));
            assertEquals(0L, f.get("guard.blocks.unslotted"));
            assertEquals(0L, f.get("guard.blocks.live"));
            assertEquals(2L, f.get("guard.quarantine.blocks"));
        }
    }
}
