package io.pymem4j.raw;

import io.pymem4j.api.PyObjectArenaAllocator;
import io.pymem4j.spi.ArenaProvider;

/**
 * The {@code mmap} arena allocator, every runtime's default.
 *
 * @since 0.1
 */
public final class MmapArenaProvider implements ArenaProvider {

    /** Made by {@link java.util.ServiceLoader}, which finds this class in the module's services. */
    public MmapArenaProvider() {
    }

    @Override
    public String name() {
        return "mmap";
    }

    @Override
    public String description() {
        return "arenas as anonymous private mmap mappings, released with munmap";
    }

    @Override
    public PyObjectArenaAllocator create() {
        return MmapArenaAllocator.INSTANCE;
    }

    @Override
    public int defaultPriority() {
        return 1;
    }
}
