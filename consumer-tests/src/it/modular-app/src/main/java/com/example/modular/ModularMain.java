package com.example.modular;

import io.pymem4j.runtime.PyMemRuntime;

import java.util.Set;

/** Sets up the stack its argument names on the module path and allocates through it. */
public final class ModularMain {

    public static void main(String[] args) {
        PyMemRuntime rt = PyMemRuntime.create(args[0]);
        System.out.println("modular-app: module " + ModularMain.class.getModule().getName()
                + ", class path '" + System.getProperty("java.class.path") + "'");
        System.out.println("modular-app: providers " + rt.registry().providers().keySet());
        Set<String> modules = new java.util.TreeSet<>();
        rt.registry().providers().values().forEach(p -> modules.add(p.getClass().getModule().getName()));
        System.out.println("modular-app: provider modules " + modules);
        long p = rt.objectMalloc(64);
        rt.segment(p, 64).fill((byte) 7);
        rt.objectFree(p);
        System.out.println("modular-app: stack " + rt.currentAllocatorName() + " allocated and freed");
    }
}
