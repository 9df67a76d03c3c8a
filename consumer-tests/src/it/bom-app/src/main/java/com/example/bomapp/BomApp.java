package com.example.bomapp;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.debug.MemoryCorruptionError;
import io.pymem4j.runtime.PyMemRuntime;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

/**
 * Uses the default runtime, whose stack -Dpymem4j.malloc names: a block in each domain, a
 * segment through the stack, and (when the debug layer is in the stack) an overflow it reports.
 */
public final class BomApp {

    public static void main(String[] args) {
        PyMemRuntime rt = PyMemRuntime.getDefault();
        System.out.println("bom-app: stack " + rt.currentAllocatorName());
        for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
            long p = rt.malloc(d, 100);
            rt.segment(p, 100).fill((byte) 42);
            rt.free(d, p);
        }
        SegmentAllocator allocator = rt.segmentAllocator(PyMemAllocatorDomain.MEM);
        MemorySegment s = allocator.allocateFrom("hello from pymem4j");
        System.out.println("bom-app: segment says " + s.getString(0));
        rt.free(PyMemAllocatorDomain.MEM, s);
        if (rt.stackSpec().hasHook("debug")) {
            long p = rt.memMalloc(16);
            NativeMemory.putByte(p + 16, (byte) 'x'); // one byte past the block
            try {
                rt.memFree(p);
                System.out.println("bom-app: the overflow went unnoticed");
            } catch (MemoryCorruptionError e) {
                System.out.println("bom-app: the debug layer caught the overflow: " + e.problem());
            }
        }
        System.out.println("bom-app: done");
    }
}
