package io.pymem4j.runtime;

import io.pymem4j.api.AllocatorSetupException;
import io.pymem4j.spi.BackendProvider;

import java.util.ArrayList;
import java.util.List;

/**
 * A resolved allocator stack name: one backend and the hook layers above it, bottom first.
 *
 * <h2>Grammar</h2>
 * <pre>
 *   stack  = base *( "+" hook )
 *   base   = "" | "default" | "debug" | backend | backend "_debug"
 * </pre>
 * CPython's names keep CPython's meaning ({@code _PyMem_SetupAllocators}): {@code default}
 * (and the empty name) is the backend that declares the highest
 * {@linkplain BackendProvider#defaultPriority() default priority}: pymalloc, or
 * malloc where no pymalloc provider is present;
 * {@code debug} is the default with the debug hooks; {@code X_debug} is {@code X+debug}.
 * The backend serves MEM and OBJ and RAW keeps {@code malloc} (unless the backend serves
 * RAW itself); each hook wraps all three domains, in order.
 *
 * <h2>The name of a stack</h2>
 * {@link #name()} is what {@code _PyMem_GetCurrentAllocatorName} would say: the backend's
 * name, {@code backend_debug} when the only hook is the debug hooks, and otherwise the
 * composed form ({@code pymalloc+tracemalloc}, where CPython would return NULL). It never
 * says {@code default} or {@code debug}, as CPython never does.
 *
 * @param backend the backend provider's name
 * @param hooks   the hook providers' names, bottom first
 * @since 0.1
 */
public record StackSpec(String backend, List<String> hooks) {

    /** The names CPython's {@code PYTHONMALLOC} accepts (3.13+), all accepted here. */
    public static final List<String> CPYTHON_NAMES = List.of(
            "default", "debug", "pymalloc", "pymalloc_debug", "malloc", "malloc_debug", "mimalloc", "mimalloc_debug");

    private static final String DEBUG = "debug";
    private static final String DEBUG_SUFFIX = "_debug";

    public StackSpec {
        hooks = List.copyOf(hooks);
    }

    /** Parses and resolves {@code name} against the providers of {@code registry}. */
    public static StackSpec parse(String name, ProviderRegistry registry) {
        String text = name == null ? "" : name.strip();
        String[] terms = text.split("\\+", -1);
        List<String> hooks = new ArrayList<>();
        String base = terms[0].strip();
        String backend;
        if (base.isEmpty() && terms.length > 1) {
            throw new AllocatorSetupException("allocator '" + text + "' has no backend before '+'; " + registry.knownNames());
        }
        if (base.isEmpty() || base.equals("default")) {
            backend = registry.defaultBackend();
        } else if (base.equals(DEBUG)) {
            backend = registry.defaultBackend();
            hooks.add(DEBUG);
        } else if (base.endsWith(DEBUG_SUFFIX) && !registry.has(base, BackendProvider.class)) {
            backend = base.substring(0, base.length() - DEBUG_SUFFIX.length());
            if (backend.equals(DEBUG) || (backend.endsWith(DEBUG_SUFFIX) && !registry.has(backend, BackendProvider.class))) {
                throw new AllocatorSetupException("allocator '" + text + "': the " + DEBUG_SUFFIX
                        + " suffix applies to a backend name, and '" + backend + "' is already a debug stack");
            }
            hooks.add(DEBUG);
        } else {
            backend = base;
        }
        registry.backend(backend);
        for (int i = 1; i < terms.length; i++) {
            String hook = terms[i].strip();
            if (hook.isEmpty()) {
                throw new AllocatorSetupException("allocator '" + text + "' has an empty layer name; " + registry.knownNames());
            }
            registry.hook(hook);
            if (hooks.contains(hook)) {
                throw new AllocatorSetupException("allocator '" + text + "' names the hook '" + hook + "' twice");
            }
            hooks.add(hook);
        }
        return new StackSpec(backend, hooks);
    }

    /** The stack's name, as {@code _PyMem_GetCurrentAllocatorName} gives it (see the class doc). */
    public String name() {
        if (hooks.isEmpty()) {
            return backend;
        }
        if (hooks.equals(List.of(DEBUG))) {
            return backend + DEBUG_SUFFIX;
        }
        return backend + "+" + String.join("+", hooks);
    }

    /** True when the stack has the hook layer named {@code hook}. */
    public boolean hasHook(String hook) {
        return hooks.contains(hook);
    }

    /** This stack with {@code hook} added on top. */
    public StackSpec withHook(String hook) {
        List<String> more = new ArrayList<>(hooks);
        more.add(hook);
        return new StackSpec(backend, more);
    }

    @Override
    public String toString() {
        return name();
    }
}
