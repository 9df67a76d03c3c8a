package io.pymem4j.raw;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.testkit.AllocatorContractTest;
import org.junit.jupiter.api.Nested;

/** The contract through a runtime's convenience calls, for each domain of the malloc stack. */
class RuntimeDomainContractTest {

    /** Calls the runtime's per-domain entry points, as PyMem_Raw*, PyMem_* and PyObject_* do. */
    private record ThroughRuntime(PyMemRuntime runtime, PyMemAllocatorDomain domain) implements PyMemAllocatorEx {
        @Override
        public long malloc(long size) {
            return switch (domain) {
                case RAW -> runtime.rawMalloc(size);
                case MEM -> runtime.memMalloc(size);
                case OBJ -> runtime.objectMalloc(size);
            };
        }

        @Override
        public long calloc(long nelem, long elsize) {
            return switch (domain) {
                case RAW -> runtime.rawCalloc(nelem, elsize);
                case MEM -> runtime.memCalloc(nelem, elsize);
                case OBJ -> runtime.objectCalloc(nelem, elsize);
            };
        }

        @Override
        public long realloc(long ptr, long newSize) {
            return switch (domain) {
                case RAW -> runtime.rawRealloc(ptr, newSize);
                case MEM -> runtime.memRealloc(ptr, newSize);
                case OBJ -> runtime.objectRealloc(ptr, newSize);
            };
        }

        @Override
        public void free(long ptr) {
            switch (domain) {
                case RAW -> runtime.rawFree(ptr);
                case MEM -> runtime.memFree(ptr);
                case OBJ -> runtime.objectFree(ptr);
            }
        }
    }

    private static PyMemAllocatorEx domain(PyMemAllocatorDomain d) {
        return new ThroughRuntime(PyMemRuntime.create("malloc"), d);
    }

    @Nested
    class Raw extends AllocatorContractTest {
        @Override
        protected PyMemAllocatorEx allocator() {
            return domain(PyMemAllocatorDomain.RAW);
        }
    }

    @Nested
    class Mem extends AllocatorContractTest {
        @Override
        protected PyMemAllocatorEx allocator() {
            return domain(PyMemAllocatorDomain.MEM);
        }
    }

    @Nested
    class Obj extends AllocatorContractTest {
        @Override
        protected PyMemAllocatorEx allocator() {
            return domain(PyMemAllocatorDomain.OBJ);
        }
    }
}
