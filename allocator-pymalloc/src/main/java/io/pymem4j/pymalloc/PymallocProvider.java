package io.pymem4j.pymalloc;

import io.pymem4j.api.AllocatorSetupException;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.spi.BackendContext;
import io.pymem4j.spi.BackendProvider;

import java.util.Set;


/**
 * The {@code pymalloc} backend: one {@link Pymalloc} per runtime, serving MEM and OBJ (RAW
 * keeps {@code malloc}), with the geometry named by the runtime option {@value Geometry#OPTION}
 * and, in threaded mode, the heaps' front caches turned on or off by {@value #CACHE_OPTION}.
 *
 * @since 0.1
 */
public final class PymallocProvider implements BackendProvider {

    /** The runtime option turning the threaded heaps' front caches on or off ({@code true} or {@code false}). */
    public static final String CACHE_OPTION = "pymalloc.cache";
    /** Whether threaded heaps have front caches when {@value #CACHE_OPTION} is not set. */
    public static final boolean CACHE_DEFAULT = false;

    /** Made by {@link java.util.ServiceLoader}, which finds this class in the module's services. */
    public PymallocProvider() {
    }

    @Override
    public String name() {
        return "pymalloc";
    }

    /** The options this layer reads. */
    @Override
    public Set<String> optionKeys() {
        return Set.of(Geometry.OPTION, CACHE_OPTION);
    }

    @Override
    public String description() {
        return "CPython's obmalloc: size-class pools in 1 MiB arenas on native memory (" + Geometry.OPTION + "="
                + Geometry.PRESETS.stream().map(g -> g.name).toList() + ")";
    }

    /** The default backend, as in CPython: {@code default} and {@code debug} mean pymalloc. */
    @Override
    public int defaultPriority() {
        return 2;
    }

    @Override
    public PyMemAllocatorEx create(BackendContext context) {
        Geometry geometry;
        try {
            geometry = Geometry.named(context.runtime().option(Geometry.OPTION));
        } catch (IllegalArgumentException e) {
            throw new AllocatorSetupException(e.getMessage(), e);
        }
        String cache = context.runtime().option(CACHE_OPTION);
        boolean frontCache = cache == null ? CACHE_DEFAULT : PyMemRuntime.parseBoolean(CACHE_OPTION, cache);
        // In GIL mode the MEM and OBJ callers hold the interpreter lock: one heap, no lock of our own.
        boolean threaded = !context.runtime().gilMode();
        return new Pymalloc(geometry, context.rawBackend(), context.arenaAllocator(), threaded, frontCache);
    }
}
