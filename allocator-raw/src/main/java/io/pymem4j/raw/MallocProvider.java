package io.pymem4j.raw;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.spi.BackendContext;
import io.pymem4j.spi.BackendProvider;
import io.pymem4j.spi.BlockLimit;

import java.util.EnumSet;
import java.util.Set;

/**
 * The {@code malloc} backend: libc in every domain, and the RAW domain of every other stack;
 * an instance of {@link LibcAllocator} per runtime, closed with it.
 *
 * @since 0.1
 */
public final class MallocProvider implements BackendProvider {

    /** Made by {@link java.util.ServiceLoader}, which finds this class in the module's services. */
    public MallocProvider() {
    }

    @Override
    public String name() {
        return "malloc";
    }

    @Override
    public String description() {
        return "libc malloc/calloc/realloc/free through FFM downcalls";
    }

    @Override
    public Set<PyMemAllocatorDomain> domains() {
        return EnumSet.allOf(PyMemAllocatorDomain.class);
    }

    /** The default backend where no pymalloc is present, as in a CPython built without it. */
    @Override
    public int defaultPriority() {
        return 1;
    }

    @Override
    public boolean rawFallback() {
        return true;
    }

    @Override
    public PyMemAllocatorEx create(BackendContext context) {
        return LibcAllocator.forRuntime(BlockLimit.of(context.runtime()));
    }
}
