package io.pymem4j.spi;

import java.util.Map;

/**
 * Figures about one runtime for its management bean
 * ({@code PyMemRuntimeMXBean.getStatistics()}), contributed by the module that owns them: a
 * backend's arenas, a hook layer's traced bytes. The api module knows no layer; each
 * contributor finds its own part of the stack (with {@link RuntimeView#findBackend(Class)},
 * {@link RuntimeView#findHook(Class)} or the layer's own lookup) and adds nothing when the
 * runtime has none.
 *
 * <p>Found with {@link java.util.ServiceLoader}: list the class in
 * {@code META-INF/services/io.pymem4j.spi.RuntimeStatistics}. It needs a public no-argument
 * constructor and no state of its own; one instance serves every runtime.
 *
 * @since 0.1
 */
public interface RuntimeStatistics {

    /**
     * Puts this contributor's figures about {@code runtime} into {@code figures}, keyed
     * {@code section.name} with the section its own ({@code pymalloc.arenas.allocated},
     * {@code tracemalloc.MEM.current}). Called on every management read, from any thread:
     * it may take the layer's locks, and must not allocate through the runtime.
     */
    void collect(RuntimeView runtime, Map<String, Long> figures);
}
