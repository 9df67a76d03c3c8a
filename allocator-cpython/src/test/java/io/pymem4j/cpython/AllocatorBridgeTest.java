package io.pymem4j.cpython;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.debug.MemoryCorruptionError;
import io.pymem4j.runtime.PyMemRuntime;
import org.junit.jupiter.api.Test;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

import static io.pymem4j.api.PyMemAllocatorDomain.MEM;
import static io.pymem4j.api.PyMemAllocatorDomain.OBJ;
import static io.pymem4j.api.PyMemAllocatorDomain.RAW;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The PyMemAllocatorEx structs, called through their function pointers as CPython calls
 * them (downcalls into the upcall stubs), without an interpreter.
 */
class AllocatorBridgeTest {

    private static final Linker LINKER = Linker.nativeLinker();

    /** The four functions of one domain's struct, as C sees them. */
    private record Struct(MethodHandle malloc, MethodHandle calloc, MethodHandle realloc, MethodHandle free) {
        static Struct of(MemorySegment s) {
            MemorySegment view = s.reinterpret(AllocatorBridge.STRUCT_BYTES);
            long w = ADDRESS.byteSize();
            return new Struct(
                    LINKER.downcallHandle(view.get(ADDRESS, w), FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG)),
                    LINKER.downcallHandle(view.get(ADDRESS, 2 * w), FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG)),
                    LINKER.downcallHandle(view.get(ADDRESS, 3 * w), FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG)),
                    LINKER.downcallHandle(view.get(ADDRESS, 4 * w), FunctionDescriptor.ofVoid(JAVA_LONG, JAVA_LONG)));
        }

        long malloc(long size) throws Throwable {
            return (long) malloc.invokeExact(0L, size);
        }

        long calloc(long n, long size) throws Throwable {
            return (long) calloc.invokeExact(0L, n, size);
        }

        long realloc(long p, long size) throws Throwable {
            return (long) realloc.invokeExact(0L, p, size);
        }

        void free(long p) throws Throwable {
            free.invokeExact(0L, p);
        }
    }

    private final List<MemoryCorruptionError> reports = new ArrayList<>();

    private AllocatorBridge bridge(PyMemRuntime runtime) {
        return new AllocatorBridge(runtime, reports::add);
    }

    @Test
    void eachDomainsFunctionsReachThatDomainOfTheRuntimeAndAreCounted() throws Throwable {
        AllocatorBridge bridge = bridge(PyMemRuntime.create("pymalloc_debug"));
        for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
            Struct s = Struct.of(bridge.struct(d));
            long p = s.malloc(24);
            NativeMemory.putLong(p, 42);
            long q = s.realloc(p, 4000);
            assertEquals(42, NativeMemory.getLong(q));
            long z = s.calloc(3, 8);
            assertEquals(0, NativeMemory.getLong(z + 16));
            s.free(q);
            s.free(z);
            s.free(0);
            assertEquals(new DomainCalls(1, 1, 1, 3), bridge.calls(d), d.name());
        }
        // The debug layer's API id shows which domain made each block.
        assertEquals(List.of(), reports);
    }

    @Test
    void theStructsAreCPythonsDomainsInItsOrder() {
        assertEquals(0, AllocatorBridge.cpythonDomain(RAW));
        assertEquals(1, AllocatorBridge.cpythonDomain(MEM));
        assertEquals(2, AllocatorBridge.cpythonDomain(OBJ));
        assertEquals(40, AllocatorBridge.STRUCT_BYTES);
    }

    @Test
    void peakAndLiveBytesFollowTheRequestedSizesAcrossDomains() throws Throwable {
        AllocatorBridge bridge = bridge(PyMemRuntime.create("malloc"));
        Struct raw = Struct.of(bridge.struct(RAW));
        Struct obj = Struct.of(bridge.struct(OBJ));
        long a = raw.malloc(100);
        long b = obj.calloc(5, 10);
        raw.free(a);
        long c = obj.realloc(b, 20);
        long d = obj.malloc(7);

        assertEquals(150, bridge.peakBytes());
        assertEquals(27, bridge.liveBytes());
        obj.free(c);
        obj.free(d);
        assertEquals(0, bridge.liveBytes());
    }

    @Test
    void anAllocatorThatThrowsGivesCPythonNullAndTheJvmGoesOn() throws Throwable {
        PyMemRuntime runtime = PyMemRuntime.create("malloc");
        PyMemAllocatorEx good = runtime.getAllocator(MEM);
        runtime.setAllocator(MEM, new PyMemAllocatorEx() {
            @Override
            public long malloc(long size) {
                throw new IllegalStateException("broken backend");
            }

            @Override
            public long calloc(long nelem, long elsize) {
                throw new IllegalStateException("broken backend");
            }

            @Override
            public long realloc(long ptr, long newSize) {
                throw new IllegalStateException("broken backend");
            }

            @Override
            public void free(long ptr) {
                good.free(ptr);
            }
        });
        AllocatorBridge bridge = bridge(runtime);
        Struct mem = Struct.of(bridge.struct(MEM));

        assertEquals(0, mem.malloc(16));
        assertEquals(0, mem.calloc(2, 8));
        assertEquals(0, mem.realloc(0, 8));
        assertEquals(3, bridge.failures());
        assertEquals(0, bridge.liveBytes());
    }

    @Test
    void aFailedReallocKeepsTheOldBlockCounted() throws Throwable {
        AllocatorBridge bridge = bridge(PyMemRuntime.create("malloc"));
        Struct mem = Struct.of(bridge.struct(MEM));
        long p = mem.malloc(64);

        assertEquals(0, mem.realloc(p, -1), "a size above PY_SSIZE_T_MAX fails");
        assertEquals(64, bridge.liveBytes());
        mem.free(p);
        assertEquals(0, bridge.liveBytes());
    }

    @Test
    void aDebugReportRaisedInAnUpcallGoesToTheFatalHandler() throws Throwable {
        AllocatorBridge bridge = bridge(PyMemRuntime.create("malloc_debug"));
        Struct mem = Struct.of(bridge.struct(MEM));
        long p = mem.malloc(10);
        NativeMemory.fill(p, 11, (byte) 0x78);

        mem.free(p);

        assertEquals(1, reports.size());
        assertEquals("Fatal Python error: _PyMem_DebugRawFree: bad trailing pad byte", reports.get(0).fatalError());
        assertTrue(reports.get(0).report().contains("at tail+0: 0x78 *** OUCH"));
    }
}
