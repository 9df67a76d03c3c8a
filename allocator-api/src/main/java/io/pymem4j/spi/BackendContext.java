package io.pymem4j.spi;

import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.api.PyObjectArenaAllocator;

/**
 * What a backend may use while it is created for a runtime.
 *
 * @param runtime        the runtime the backend will serve (for its configuration and lock)
 * @param rawBackend     the RAW domain's backend without any hook, where a small-object
 *                       allocator sends 0-byte, large and foreign requests; null while
 *                       the RAW backend itself is being created
 * @param arenaAllocator the runtime's arena allocator; it always delegates to the one
 *                       currently set, so {@code setArenaAllocator} takes effect for
 *                       arenas acquired later
 *
 * @since 0.1
 */
public record BackendContext(RuntimeView runtime, PyMemAllocatorEx rawBackend,
                             PyObjectArenaAllocator arenaAllocator) {
}
