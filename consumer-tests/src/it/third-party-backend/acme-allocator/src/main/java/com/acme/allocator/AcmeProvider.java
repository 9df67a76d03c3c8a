package com.acme.allocator;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.spi.BackendContext;
import io.pymem4j.spi.BackendProvider;
import io.pymem4j.spi.BlockLimit;

import java.util.EnumSet;
import java.util.Set;

/** The {@code acme} backend: the C library's allocator with a count of live blocks, for every domain. */
public final class AcmeProvider implements BackendProvider {

    /** Made by ServiceLoader. */
    public AcmeProvider() {
    }

    @Override
    public String name() {
        return "acme";
    }

    @Override
    public String description() {
        return "Acme's counting allocator on the C library's malloc";
    }

    @Override
    public Set<PyMemAllocatorDomain> domains() {
        return EnumSet.allOf(PyMemAllocatorDomain.class);
    }

    @Override
    public PyMemAllocatorEx create(BackendContext context) {
        return new AcmeAllocator(BlockLimit.of(context.runtime()));
    }
}
