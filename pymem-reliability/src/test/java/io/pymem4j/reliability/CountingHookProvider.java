package io.pymem4j.reliability;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.runtime.ProviderRegistry;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.spi.Hook;
import io.pymem4j.spi.HookContext;
import io.pymem4j.spi.HookProvider;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A test layer {@code counting} that counts the live blocks of each domain as its callers see
 * them: +1 for a block malloc, calloc or realloc of NULL returned, -1 for a free of a non-NULL
 * pointer. On top of a stack it tells whether the callers got back every block they were
 * given, whatever the backend (libc keeps no count of its own). Not registered for the whole
 * class path: {@link #registry()} adds it to the default providers.
 */
public final class CountingHookProvider implements HookProvider {

    static final String NAME = "counting";

    /** The default providers and this one. */
    static ProviderRegistry registry() {
        List<io.pymem4j.spi.AllocatorProvider> all = new ArrayList<>(ProviderRegistry.getDefault().providers().values());
        all.add(new CountingHookProvider());
        return ProviderRegistry.of(all);
    }

    /** The counting layer of {@code runtime}. */
    static Counts of(PyMemRuntime runtime) {
        return runtime.findHook(Counts.class).orElseThrow();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "counts live blocks per domain (tests)";
    }

    @Override
    public boolean transparent() {
        return true;
    }

    @Override
    public Hook create(HookContext context) {
        return new Counts();
    }

    /** The live blocks of each domain. */
    static final class Counts implements Hook {
        private final AtomicLongArray live = new AtomicLongArray(PyMemAllocatorDomain.values().length);

        long live(PyMemAllocatorDomain domain) {
            return live.get(domain.ordinal());
        }

        long total() {
            long n = 0;
            for (int i = 0; i < live.length(); i++) {
                n += live.get(i);
            }
            return n;
        }

        @Override
        public PyMemAllocatorEx wrap(PyMemAllocatorDomain domain, PyMemAllocatorEx below) {
            int d = domain.ordinal();
            return new PyMemAllocatorEx() {
                @Override
                public long malloc(long size) {
                    return counted(below.malloc(size));
                }

                @Override
                public long calloc(long nelem, long elsize) {
                    return counted(below.calloc(nelem, elsize));
                }

                @Override
                public long realloc(long ptr, long newSize) {
                    long q = below.realloc(ptr, newSize);
                    return ptr == 0 ? counted(q) : q;
                }

                @Override
                public void free(long ptr) {
                    below.free(ptr);
                    if (ptr != 0) {
                        live.decrementAndGet(d);
                    }
                }

                private long counted(long p) {
                    if (p != 0) {
                        live.incrementAndGet(d);
                    }
                    return p;
                }
            };
        }
    }
}
