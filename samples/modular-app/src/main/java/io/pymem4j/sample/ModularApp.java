package io.pymem4j.sample;

import io.pymem4j.pymalloc.Pymalloc;
import io.pymem4j.runtime.PyMemManagement;
import io.pymem4j.runtime.PyMemRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.TreeSet;

/**
 * Sets up a stack by name, allocates and frees through it, and prints what it found: the
 * module it runs in, the providers ServiceLoader found, the stack, pymalloc's arenas and the
 * sections of the management bean's figures. Run it with
 * {@code java --enable-native-access=io.pymem4j.api,io.pymem4j.raw --module-path ... --module io.pymem4j.sample/io.pymem4j.sample.ModularApp [stack]}.
 */
public final class ModularApp {

    private static final Logger log = LoggerFactory.getLogger(ModularApp.class);

    private ModularApp() {
    }

    public static void main(String[] args) {
        String stack = args.length > 0 ? args[0] : "pymalloc+debug+tracemalloc";
        PyMemRuntime runtime = PyMemRuntime.create(stack);
        long p = runtime.objectMalloc(64);
        runtime.segment(p, 64).fill((byte) 7);
        long q = runtime.rawMalloc(100);
        log.info("allocated through {}", runtime.currentAllocatorName());
        System.out.println("module " + ModularApp.class.getModule().getName());
        System.out.println("providers " + runtime.registry().providers().keySet());
        System.out.println("stack " + runtime.currentAllocatorName());
        System.out.println("pymalloc arenas " + Pymalloc.of(runtime).stats().arenasAllocatedCurrent());
        try (var _ = PyMemManagement.register(runtime)) {
            Map<String, Long> figures = PyMemManagement.mxBean(runtime).getStatistics();
            TreeSet<String> sections = new TreeSet<>();
            figures.keySet().forEach(k -> sections.add(k.substring(0, k.indexOf('.'))));
            System.out.println("statistics " + sections);
        }
        runtime.rawFree(q);
        runtime.objectFree(p);
        System.out.println("freed");
    }
}
