package org.example.thirdparty;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.spi.BackendContext;
import io.pymem4j.spi.BackendProvider;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A backend as a third party writes one, seeing the api module's contract and SPI only: blocks
 * from a shared {@link Arena}, one per allocation, freed by closing nothing (a test fixture).
 */
public final class ThirdPartyBackendProvider implements BackendProvider {

    @Override
    public String name() {
        return "thirdparty";
    }

    @Override
    public String description() {
        return "a third party's backend, for the architecture tests";
    }

    @Override
    public Set<PyMemAllocatorDomain> domains() {
        return EnumSet.allOf(PyMemAllocatorDomain.class);
    }

    @Override
    public PyMemAllocatorEx create(BackendContext context) {
        return new ArenaBackend();
    }

    /** Blocks of an auto arena; realloc copies; free forgets the block. */
    static final class ArenaBackend implements PyMemAllocatorEx {
        private final Arena arena = Arena.ofAuto();
        private final ConcurrentHashMap<Long, MemorySegment> live = new ConcurrentHashMap<>();

        @Override
        public long malloc(long size) {
            MemorySegment s = arena.allocate(Math.max(size, 1), 16);
            live.put(s.address(), s);
            return s.address();
        }

        @Override
        public long calloc(long nelem, long elsize) {
            return malloc(Math.multiplyExact(nelem, elsize));
        }

        @Override
        public long realloc(long ptr, long newSize) {
            long p = malloc(newSize);
            if (ptr != 0) {
                MemorySegment old = live.remove(ptr);
                NativeMemory.segment(p, newSize).copyFrom(old.asSlice(0, Math.min(old.byteSize(), newSize)));
            }
            return p;
        }

        @Override
        public void free(long ptr) {
            live.remove(ptr);
        }
    }
}
