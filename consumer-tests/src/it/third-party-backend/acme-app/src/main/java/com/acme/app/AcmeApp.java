package com.acme.app;

import com.acme.allocator.AcmeAllocator;
import io.pymem4j.api.NativeMemory;
import io.pymem4j.debug.MemoryCorruptionError;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.tracemalloc.Snapshot;
import io.pymem4j.tracemalloc.SnapshotFormat;
import io.pymem4j.tracemalloc.Trace;
import io.pymem4j.tracemalloc.Tracemalloc;

import java.io.File;
import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Sets up the stack its argument names, traces three blocks, writes their snapshot in CPython's
 * pickle format and reads it back, and lets the debug layer catch an overflow.
 */
public final class AcmeApp {

    public static void main(String[] args) throws IOException {
        PyMemRuntime rt = PyMemRuntime.create(args[0]);
        boolean named = AcmeApp.class.getModule().isNamed();
        String how = named ? "module path" : "class path";
        AcmeAllocator acme = rt.findBackend(AcmeAllocator.class).orElseThrow();
        Tracemalloc tm = Tracemalloc.of(rt);
        tm.start();
        long[] blocks = {rt.memMalloc(1000), rt.memMalloc(1000), rt.objectMalloc(1000)};
        System.out.println("acme-app (" + how + "): stack " + rt.currentAllocatorName() + ", traced "
                + tm.getTracedMemory().current() + " bytes, acme holds " + acme.liveBlocks() + " blocks");
        // The file Python's tracemalloc.Snapshot.load() opens (verify.groovy has python3 open it).
        Path file = Path.of("target", "snapshot-" + (named ? "module" : "class") + "-path.pickle");
        tm.takeSnapshot().dump(file, SnapshotFormat.PICKLE);
        Snapshot loaded = Snapshot.load(file);
        System.out.println("acme-app (" + how + "): pickle snapshot read back: " + loaded.traces().size()
                + " traces, " + loaded.traces().stream().mapToLong(Trace::size).sum() + " bytes");
        String path = System.getProperty(named ? "jdk.module.path" : "java.class.path");
        System.out.println("acme-app (" + how + "): a pickle jar of its own on the path: "
                + Arrays.stream(path.split(File.pathSeparator)).anyMatch(e -> e.contains("razorvine")));
        if (named) {
            // The published jar carries its pickle library inside: it requires no automatic module.
            Module tracemalloc = Tracemalloc.class.getModule();
            System.out.println("acme-app (" + how + "): " + tracemalloc.getName() + " requires "
                    + tracemalloc.getDescriptor().requires().stream().map(ModuleDescriptor.Requires::name).sorted().toList()
                    + ", automatic modules " + ModuleLayer.boot().modules().stream()
                            .filter(m -> m.getDescriptor().isAutomatic()).map(Module::getName).sorted().toList());
        }
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
