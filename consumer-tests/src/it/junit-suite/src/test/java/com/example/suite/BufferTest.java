package com.example.suite;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.junit.PyMemTest;
import io.pymem4j.runtime.PyMemRuntime;
import org.junit.jupiter.api.Test;

/** Three tests on pymalloc_debug with tracemalloc: the extension passes the first and fails the others. */
@PyMemTest(stack = "pymalloc_debug", traceback = 5)
class BufferTest {

    @Test
    void freesWhatItAllocates(PyMemRuntime rt) {
        long p = rt.memMalloc(16);
        p = rt.memRealloc(p, 4096);
        rt.memFree(p);
    }

    @Test
    void leaksABlock(PyMemRuntime rt) {
        rt.memMalloc(48);
    }

    @Test
    void overflowsItsBlock(PyMemRuntime rt) {
        long p = rt.memMalloc(16);
        NativeMemory.putByte(p + 16, (byte) 'x');
        try {
            rt.memFree(p);
        } catch (Error swallowed) {
            // Code that hides the report: the extension still fails the test with it.
        }
    }
}
