package io.pymem4j.mimalloc;

import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.spi.Availability;
import io.pymem4j.spi.BackendContext;
import io.pymem4j.spi.BackendProvider;
import io.pymem4j.spi.BlockLimit;

import java.util.Set;

/**
 * The {@code mimalloc} backend, and through the debug layer {@code mimalloc_debug}, as in
 * CPython 3.13+: mimalloc serves MEM and OBJ, RAW keeps {@code malloc}. Unavailable, with
 * what to install, when libmimalloc cannot be opened.
 *
 * @since 0.1
 */
public final class MimallocProvider implements BackendProvider {

    /** Made by {@link java.util.ServiceLoader}, which finds this class in the module's services. */
    public MimallocProvider() {
    }

    /** The backend's name in stack names. */
    public static final String NAME = "mimalloc";

    @Override
    public String name() {
        return NAME;
    }

    /** The options this layer reads. */
    @Override
    public Set<String> optionKeys() {
        return Set.of(MimallocLibrary.LIBRARY_OPTION);
    }

    @Override
    public String description() {
        return "mimalloc's mi_malloc/mi_calloc/mi_realloc/mi_free from the system's " + MimallocLibrary.LIBRARY
                + " through FFM downcalls";
    }

    @Override
    public Availability availability() {
        String reason = MimallocLibrary.UNAVAILABLE;
        return reason == null ? Availability.AVAILABLE : Availability.unavailable(reason);
    }

    @Override
    public PyMemAllocatorEx create(BackendContext context) {
        return MimallocAllocator.forRuntime(BlockLimit.of(context.runtime()));
    }
}
