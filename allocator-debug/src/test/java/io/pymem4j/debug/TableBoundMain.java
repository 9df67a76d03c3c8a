package io.pymem4j.debug;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Malloc/free pairs through a debug layer over a backend that puts each block in a new 64 KiB
 * region, never more than one live, run by {@link TableBoundsTest} in a JVM with a small heap;
 * prints how many pairs ran, how many mallocs were NULL and how many blocks the backend holds.
 */
public final class TableBoundMain {

    private TableBoundMain() {
    }

    /** A backend handing out the start of region i for its i-th malloc, in one native segment. */
    static final class SpreadBackend implements PyMemAllocatorEx {
        private final MemorySegment space;
        private int next;
        int live;

        SpreadBackend(int regions) {
            space = Arena.ofAuto().allocate((long) regions << 16, 1 << 16);
        }

        @Override
        public long malloc(long size) {
            if (size > 1 << 16) {
                return 0;
            }
            live++;
            return space.address() + ((long) next++ << 16);
        }

        @Override
        public long calloc(long nelem, long elsize) {
            long p = malloc(nelem * elsize);
            if (p != 0) {
                NativeMemory.fill(p, nelem * elsize, (byte) 0);
            }
            return p;
        }

        @Override
        public long realloc(long ptr, long newSize) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void free(long ptr) {
            live--;
        }
    }

    public static void main(String[] args) {
        int pairs = Integer.parseInt(args[0]);
        SpreadBackend backend = new SpreadBackend(pairs);
        DebugAllocator a = new DebugHook(DebugConfig.DEFAULT, null).wrap(PyMemAllocatorDomain.RAW, backend);
        int nulls = 0;
        for (int i = 0; i < pairs; i++) {
            long p = a.malloc(200);
            if (p == 0) {
                nulls++;
            } else {
                a.free(p);
            }
        }
        System.out.print("pairs=" + pairs + " null=" + nulls + " backend.live=" + backend.live + "\n");
    }
}
