package io.pymem4j.guard;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.runtime.PyMemRuntime;

/** Overflows a sampled block under {@code guard.policy=abort}; run in its own JVM by {@link GuardAbortTest}. */
public final class AbortMain {

    static final String NOT_REACHED = "the JVM went on after the report";

    private AbortMain() {
    }

    public static void main(String[] args) {
        PyMemRuntime rt = PyMemRuntime.builder().allocator("malloc+guard").option(GuardConfig.SAMPLE, "1")
                .option(GuardConfig.POLICY, "abort").build();
        long p = rt.memMalloc(16);
        NativeMemory.putByte(p + 16, (byte) 'x');
        rt.memFree(p);
        System.err.println(NOT_REACHED);
    }
}
