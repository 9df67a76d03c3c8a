package io.pymem4j.debug;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.runtime.PyMemRuntime;

/** CPython's {@code pymem_buffer_overflow()} under {@code debug.policy=abort}, run in a forked JVM by {@link PolicyTest} and {@link ReportLogTest}. */
public final class AbortMain {

    static final String NOT_REACHED = "still running after the report";

    private AbortMain() {
    }

    public static void main(String[] args) {
        PyMemRuntime runtime = PyMemRuntime.builder().allocator("malloc_debug").option(DebugConfig.POLICY, "abort").build();
        PyMemAllocatorEx mem = runtime.getAllocator(PyMemAllocatorDomain.MEM);
        long p = mem.malloc(16);
        NativeMemory.putByte(p + 16, (byte) 'x');
        mem.free(p);
        System.err.println(NOT_REACHED);
    }
}
