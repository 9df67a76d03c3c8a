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
    /**
     * The runtime option naming how many emptied arenas threaded mode keeps mapped for reuse
     * (0 to give each back at once, as obmalloc does; default {@value Pymalloc#DEFAULT_RETAINED_ARENAS}).
     * GIL mode always gives them back at once.
     */
    public static final String RETAIN_OPTION = "pymalloc.arena.retain";
    /** The most arenas {@value #RETAIN_OPTION} may keep. */
    static final int MAX_RETAINED = 4096;

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
        return Set.of(Geometry.OPTION, CACHE_OPTION, RETAIN_OPTION);
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
        int retained = threaded ? Pymalloc.DEFAULT_RETAINED_ARENAS : 0;
        String retain = context.runtime().option(RETAIN_OPTION);
        if (retain != null && threaded) {
            try {
                retained = Integer.parseInt(retain.strip());
            } catch (NumberFormatException e) {
                retained = -1;
            }
            if (retained < 0 || retained > MAX_RETAINED) {
                throw new AllocatorSetupException(RETAIN_OPTION + "=" + retain + ": a count of arenas from 0 to "
                        + MAX_RETAINED);
            }
        }
        return new Pymalloc(geometry, context.rawBackend(), context.arenaAllocator(), threaded, frontCache, retained);
    }
}
