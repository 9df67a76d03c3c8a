package io.pymem4j.runtime;

import io.pymem4j.api.AllocatorSetupException;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.api.PyObjectArenaAllocator;
import io.pymem4j.spi.AllocatorProvider;
import io.pymem4j.spi.BackendContext;
import io.pymem4j.spi.BackendProvider;
import io.pymem4j.spi.BlockLimit;
import io.pymem4j.spi.Hook;
import io.pymem4j.spi.HookContext;
import io.pymem4j.spi.HookProvider;
import io.pymem4j.spi.RuntimeView;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Builds a runtime's allocator stacks from its registry's providers: the backend, the RAW
 * fallback under a backend that does not serve RAW, the hook layers in the spec's order,
 * and on a used runtime the only rebuild allowed (same backend and bottom hooks,
 * transparent hooks added or removed above them).
 *
 * <p>Not thread-safe: the runtime calls it under its lock.
 */
final class StackAssembler {

    private final ProviderRegistry registry;
    private final RuntimeView runtime;
    private final PyObjectArenaAllocator arenaView;

    /**
     * @param arenaView the arena allocator backends are given: one that always forwards to
     *                  the runtime's current arena allocator
     */
    StackAssembler(ProviderRegistry registry, RuntimeView runtime, PyObjectArenaAllocator arenaView) {
        this.registry = registry;
        this.runtime = runtime;
        this.arenaView = arenaView;
    }

    /** Adds the transparent hooks the configuration asks for and the name does not mention. */
    StackSpec withConfiguredHooks(StackSpec spec) {
        for (AllocatorProvider p : registry.providers().values()) {
            if (p instanceof HookProvider h && h.transparent() && !spec.hasHook(h.name())
                    && h.availability().available() && h.enabledByConfiguration(runtime)) {
                spec = spec.withHook(h.name());
            }
        }
        return spec;
    }

    /**
     * Builds {@code spec} from scratch: new backend instances, new hook layers.
     *
     * @throws AllocatorSetupException also when a layer cannot get the memory of its own
     *         structures (a layer says so with an {@link OutOfMemoryError}), for example under
     *         a {@code max.block} smaller than they are
     */
    BuiltStack build(StackSpec spec) {
        try {
            return buildLayers(spec);
        } catch (OutOfMemoryError e) {
            String limit = runtime.option(BlockLimit.OPTION);
            throw new AllocatorSetupException("cannot build the stack '" + spec.name() + "': " + e.getMessage()
                    + (limit == null ? "" : " (the option " + BlockLimit.OPTION + "=" + limit
                            + " limits the layers' own structures too)"), e);
        }
    }

    private BuiltStack buildLayers(StackSpec spec) {
        BackendProvider provider = registry.backend(spec.backend());
        PyMemAllocatorEx rawBackend = provider.domains().contains(PyMemAllocatorDomain.RAW)
                ? null
                : registry.rawFallback().create(new BackendContext(runtime, null, arenaView));
        PyMemAllocatorEx backend = provider.create(new BackendContext(runtime, rawBackend, arenaView));
        Map<PyMemAllocatorDomain, List<PyMemAllocatorEx>> layers = new EnumMap<>(PyMemAllocatorDomain.class);
        for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
            List<PyMemAllocatorEx> l = new ArrayList<>();
            l.add(provider.domains().contains(d) ? backend : rawBackend);
            layers.put(d, l);
        }
        return addHooks(spec, new ArrayList<>(), layers);
    }

    /** Creates the hook layers of {@code spec} above the ones already in {@code hooks}. */
    private BuiltStack addHooks(StackSpec spec, List<Hook> hooks, Map<PyMemAllocatorDomain, List<PyMemAllocatorEx>> layers) {
        for (int i = hooks.size(); i < spec.hooks().size(); i++) {
            Hook hook = registry.hook(spec.hooks().get(i)).create(new HookContext(runtime));
            hooks.add(hook);
            for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
                List<PyMemAllocatorEx> l = layers.get(d);
                PyMemAllocatorEx wrapped = hook.wrap(d, l.get(l.size() - 1));
                l.add(Objects.requireNonNull(wrapped, () -> spec.hooks().get(l.size() - 1) + " wrapped to null"));
            }
        }
        layers.replaceAll((d, l) -> List.copyOf(l));
        return new BuiltStack(spec, List.copyOf(hooks), layers);
    }

    /**
     * The change allowed on a used runtime: same backend, same bottom hooks, transparent
     * hooks above; the kept layers are {@code stack}'s instances.
     *
     * @param customized whether a domain's allocator was replaced with {@code setAllocator}
     * @throws AllocatorSetupException for any other change
     */
    BuiltStack rebuildAbove(BuiltStack stack, boolean customized, StackSpec spec) {
        StackSpec current = stack.spec();
        if (customized) {
            throw refused(current, spec, "a domain's allocator was replaced with setAllocator, so the runtime cannot tell"
                    + " which allocator its live blocks need");
        }
        if (!current.backend().equals(spec.backend())) {
            throw refused(current, spec, "its backend '" + spec.backend() + "' is not the current backend '"
                    + current.backend() + "', which owns the live blocks");
        }
        List<String> oldHooks = current.hooks();
        List<String> newHooks = spec.hooks();
        int common = 0;
        while (common < oldHooks.size() && common < newHooks.size() && oldHooks.get(common).equals(newHooks.get(common))) {
            common++;
        }
        for (String h : oldHooks.subList(common, oldHooks.size())) {
            if (!registry.hook(h).transparent()) {
                throw refused(current, spec, "it removes the layer '" + h + "', which changes the block layout");
            }
        }
        for (String h : newHooks.subList(common, newHooks.size())) {
            if (!registry.hook(h).transparent()) {
                throw refused(current, spec, "it adds the layer '" + h + "', which changes the block layout");
            }
        }
        return buildKeeping(stack, spec, common);
    }

    private BuiltStack buildKeeping(BuiltStack stack, StackSpec spec, int keepHooks) {
        Map<PyMemAllocatorDomain, List<PyMemAllocatorEx>> layers = new EnumMap<>(PyMemAllocatorDomain.class);
        for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
            layers.put(d, new ArrayList<>(stack.layers().get(d).subList(0, keepHooks + 1)));
        }
        return addHooks(spec, new ArrayList<>(stack.hooks().subList(0, keepHooks)), layers);
    }

    private static AllocatorSetupException refused(StackSpec current, StackSpec spec, String why) {
        return new AllocatorSetupException("cannot change the allocator stack from '" + current.name() + "' to '"
                + spec.name() + "' while the runtime is in use: " + why
                + "; only transparent hooks (such as tracemalloc) can be added or removed on a used runtime."
                + " Set the stack up before the first allocation, or use a new runtime");
    }
}
