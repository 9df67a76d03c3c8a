package io.pymem4j.runtime;

import io.pymem4j.spi.RuntimeStatistics;
import io.pymem4j.spi.RuntimeView;
import org.junit.jupiter.api.Test;

import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PyMemManagementTest {

    private static final MBeanServer SERVER = ManagementFactory.getPlatformMBeanServer();

    private static PyMemRuntime runtime(String name) {
        return PyMemRuntime.builder().registry(StackSpecTest.cpythonLike()).allocator(name).build();
    }

    /** Listed in the test class path's META-INF/services: counts the MEM/OBJ backend's mallocs. */
    public static final class BackendMallocs implements RuntimeStatistics {
        @Override
        public void collect(RuntimeView runtime, Map<String, Long> figures) {
            runtime.findBackend(TestBackends.Tagged.class)
                    .ifPresent(t -> figures.put("test." + t.tag + ".mallocs", (long) t.mallocs.get()));
        }
    }

    @Test
    void aRegisteredRuntimeIsReadThroughThePlatformMBeanServer() throws Exception {
        try (var reg = PyMemManagement.register(runtime("pymalloc_debug"))) {
            ObjectName name = reg.objectName();
            assertEquals("pymalloc_debug", SERVER.getAttribute(name, "AllocatorName"));
            assertEquals("pymalloc_debug", SERVER.getAttribute(name, "Stack"));
            assertEquals("pymalloc", SERVER.getAttribute(name, "Backend"));
            assertArrayEquals(new String[]{"debug"}, (String[]) SERVER.getAttribute(name, "Hooks"));
            assertEquals(false, SERVER.getAttribute(name, "GilMode"));
        }
    }

    @Test
    void theObjectNameIsTheDomainTheTypeTheStackAndANumber() throws Exception {
        try (var reg = PyMemManagement.register(runtime("malloc+tracemalloc"))) {
            ObjectName name = reg.objectName();
            assertEquals("io.pymem4j", name.getDomain());
            assertEquals("PyMemRuntime", name.getKeyProperty("type"));
            assertEquals("malloc+tracemalloc", name.getKeyProperty("name"));
            assertTrue(Long.parseLong(name.getKeyProperty("id")) > 0);
            assertTrue(SERVER.queryNames(new ObjectName("io.pymem4j:type=PyMemRuntime,*"), null).contains(name));
        }
    }

    @Test
    void twoRuntimesWithOneStackGetTwoBeans() {
        try (var a = PyMemManagement.register(runtime("malloc")); var b = PyMemManagement.register(runtime("malloc"))) {
            assertFalse(a.objectName().equals(b.objectName()));
        }
    }

    @Test
    void statisticsComeFromTheContributorsOnTheClassPath() {
        PyMemRuntime rt = runtime("pymalloc");
        try (var reg = PyMemManagement.register(rt)) {
            rt.memFree(rt.memMalloc(10));
            rt.objectFree(rt.objectMalloc(20));
            rt.rawFree(rt.rawMalloc(30));
            PyMemRuntimeMXBean proxy = JMX.newMXBeanProxy(SERVER, reg.objectName(), PyMemRuntimeMXBean.class);
            assertEquals(Map.of("test.pymalloc.mallocs", 2L), proxy.getStatistics());
        }
    }

    @Test
    void closingTheRegistrationUnregistersTheBeanOnce() {
        var reg = PyMemManagement.register(runtime("malloc"));
        assertTrue(SERVER.isRegistered(reg.objectName()));
        reg.close();
        assertFalse(SERVER.isRegistered(reg.objectName()));
        reg.close();
    }

    @Test
    void aStackNameWithAReservedCharacterIsQuoted() {
        assertEquals("io.pymem4j:type=PyMemRuntime,name=\"odd,name\",id=7",
                PyMemManagement.objectName("odd,name", 7).toString());
        assertEquals("io.pymem4j:type=PyMemRuntime,name=pymalloc+debug+tracemalloc,id=8",
                PyMemManagement.objectName("pymalloc+debug+tracemalloc", 8).toString());
    }

    @Test
    void theJmxOptionRegistersTheDefaultRuntimesBeanWithoutCode() throws Exception {
        ObjectName query = new ObjectName("io.pymem4j:type=PyMemRuntime,name=testmalloc,*");
        System.setProperty("pymem4j.jmx", "true");
        try {
            java.util.Set<ObjectName> before = SERVER.queryNames(query, null);
            PyMemRuntime rt = DefaultRuntime.create("testmalloc");
            java.util.Set<ObjectName> added = new java.util.HashSet<>(SERVER.queryNames(query, null));
            added.removeAll(before);
            assertEquals(1, added.size(), added.toString());
            ObjectName name = added.iterator().next();
            assertEquals(rt.currentAllocatorName(), SERVER.getAttribute(name, "AllocatorName"));
            SERVER.unregisterMBean(name);
        } finally {
            System.clearProperty("pymem4j.jmx");
        }
    }

    @Test
    void withoutTheJmxOptionTheDefaultRuntimeRegistersNoBean() throws Exception {
        ObjectName query = new ObjectName("io.pymem4j:type=PyMemRuntime,name=testmalloc,*");
        java.util.Set<ObjectName> before = SERVER.queryNames(query, null);
        DefaultRuntime.create("testmalloc");
        assertEquals(before, SERVER.queryNames(query, null));
    }
}
