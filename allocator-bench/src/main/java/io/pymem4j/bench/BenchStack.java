package io.pymem4j.bench;

import io.pymem4j.api.AllocatorSetupException;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.runtime.StackSpec;
import io.pymem4j.spi.HookProvider;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A pymem4j stack as the benchmarks name it: a stack name of {@link io.pymem4j.runtime.StackSpec}'s
 * grammar, then optional runtime options, each after a colon.
 * <pre>
 *   label  = stack *( ":" option )
 *   option = "gil" | key "=" value        (a PyMemRuntime option: gil, tracemalloc, pymalloc.geometry, ...)
 *
 *   pymalloc                  CPython's pymalloc, locked, callable from any thread
 *   pymalloc:gil              GIL mode: the caller holds the interpreter lock, pymalloc takes none
 *   pymalloc:tracemalloc=10   tracing from set-up on, 10 frames a traceback (PYTHONTRACEMALLOC=10)
 * </pre>
 *
 * @param label   the label as given, also the name in results
 * @param stack   the stack name handed to {@link PyMemRuntime.Builder}{@code .allocator(String)}
 * @param options the runtime options, in order
 */
public record BenchStack(String label, String stack, Map<String, String> options) {

    /** The stacks a benchmark run measures when none are named. */
    public static final List<String> DEFAULTS = List.of(
            "malloc", "pymalloc", "pymalloc:gil", "pymalloc_debug", "pymalloc:tracemalloc=1", "pymalloc:tracemalloc=10");

    public BenchStack {
        options = Map.copyOf(options);
    }

    /**
     * Parses a label; the stack name itself is checked when a runtime is built.
     *
     * @throws IllegalArgumentException for an empty stack name or option
     */
    public static BenchStack parse(String label) {
        String[] parts = label.strip().split(":", -1);
        if (parts[0].isBlank()) {
            throw new IllegalArgumentException("stack '" + label + "' has no stack name before ':'");
        }
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 1; i < parts.length; i++) {
            String option = parts[i].strip();
            int eq = option.indexOf('=');
            String key = eq < 0 ? option : option.substring(0, eq).strip();
            if (key.isEmpty()) {
                throw new IllegalArgumentException("stack '" + label + "' has an empty option");
            }
            options.put(key, eq < 0 ? "true" : option.substring(eq + 1).strip());
        }
        return new BenchStack(label.strip(), parts[0].strip(), options);
    }

    /** True when the runtime is in GIL mode: its MEM and OBJ callers hold the interpreter lock. */
    public boolean gil() {
        return PyMemRuntime.parseBoolean(PyMemRuntime.GIL_OPTION, options.get(PyMemRuntime.GIL_OPTION));
    }

    /**
     * A new runtime with this stack and options.
     *
     * @throws AllocatorSetupException for an unknown stack name, an unknown option or a bad option value, or an
     *                                 option for a layer the stack does not have (and cannot gain later, as it
     *                                 can a transparent hook such as tracemalloc)
     */
    public PyMemRuntime runtime() {
        PyMemRuntime.Builder b = PyMemRuntime.builder().allocator(stack);
        options.forEach(b::option);
        PyMemRuntime rt = b.build();
        StackSpec spec = rt.stackSpec();
        for (String key : options.keySet()) {
            rt.registry().optionOwner(key).ifPresent(p -> {
                boolean inStack = p.name().equals(spec.backend()) || spec.hasHook(p.name());
                boolean addable = p instanceof HookProvider h && h.transparent();
                if (!inStack && !addable) {
                    throw new AllocatorSetupException("stack '" + label + "': the option " + key + " is for the "
                            + p.name() + " layer, and " + spec.name() + " has no " + p.name() + " layer");
                }
            });
        }
        return rt;
    }

    @Override
    public String toString() {
        return label;
    }
}
