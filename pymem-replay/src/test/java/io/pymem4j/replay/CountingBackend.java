package io.pymem4j.replay;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.raw.LibcAllocator;
import io.pymem4j.spi.BackendContext;
import io.pymem4j.spi.BackendProvider;

import java.util.EnumSet;
import java.util.Set;

/**
 * A test backend named "counting": libc in every domain, counting the calls per op. A malloc
 * of {@link #FAILING_SIZE} bytes returns NULL, as an exhausted allocator would.
 */
final class CountingBackend implements BackendProvider {

    static final long FAILING_SIZE = 1L << 40;

    long mallocs;
    long callocs;
    long reallocs;
    long frees;
    /** Blocks handed out and not yet freed. */
    long outstanding;

    @Override
    public String name() {
        return "counting";
    }

    @Override
    public String description() {
        return "libc, counting calls (test)";
    }

    @Override
    public Set<PyMemAllocatorDomain> domains() {
        return EnumSet.allOf(PyMemAllocatorDomain.class);
    }

    @Override
    public PyMemAllocatorEx create(BackendContext context) {
        return new PyMemAllocatorEx() {
            @Override
            public long malloc(long size) {
                mallocs++;
                if (size == FAILING_SIZE) {
                    return 0;
                }
                outstanding++;
                return LibcAllocator.INSTANCE.malloc(size);
            }

            @Override
            public long calloc(long nelem, long elsize) {
                callocs++;
                outstanding++;
                return LibcAllocator.INSTANCE.calloc(nelem, elsize);
            }

            @Override
            public long realloc(long ptr, long newSize) {
                reallocs++;
                if (ptr == 0) {
                    outstanding++;
                }
                return LibcAllocator.INSTANCE.realloc(ptr, newSize);
            }

            @Override
            public void free(long ptr) {
                frees++;
                if (ptr != 0) {
                    outstanding--;
                }
                LibcAllocator.INSTANCE.free(ptr);
            }
        };
    }
}
