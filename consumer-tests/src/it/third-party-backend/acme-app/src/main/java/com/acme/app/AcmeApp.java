package com.acme.app;

import com.acme.allocator.AcmeAllocator;
import io.pymem4j.api.NativeMemory;
import io.pymem4j.debug.MemoryCorruptionError;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.tracemalloc.Tracemalloc;

/** Sets up the stack its argument names, traces three blocks, and lets the debug layer catch an overflow. */
public final class AcmeApp {

    public static void main(String[] args) {
        PyMemRuntime rt = PyMemRuntime.create(args[0]);
        String how = AcmeApp.class.getModule().isNamed() ? "module path" : "class path";
        AcmeAllocator acme = rt.findBackend(AcmeAllocator.class).orElseThrow();
        Tracemalloc tm = Tracemalloc.of(rt);
        tm.start();
        long[] blocks = {rt.memMalloc(1000), rt.memMalloc(1000), rt.objectMalloc(1000)};
        System.out.println("acme-app (" + how + "): stack " + rt.currentAllocatorName() + ", traced "
                + tm.getTracedMemory().current() + " bytes, acme holds " + acme.liveBlocks() + " blocks");
        rt.memFree(blocks[0]);
        rt.memFree(blocks[1]);
        rt.objectFree(blocks[2]);
        long p = rt.memMalloc(24);
        NativeMemory.putByte(p + 24, (byte) 0); // one byte past the block
        try {
            rt.memFree(p);
            System.out.println("acme-app (" + how + "): the overflow went unnoticed");
        } catch (MemoryCorruptionError e) {
            System.out.println("acme-app (" + how + "): debug caught " + e.problem() + ", acme holds "
                    + acme.liveBlocks() + " blocks");
        }
    }
}
