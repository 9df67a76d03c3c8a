package io.pymem4j.raw;

import io.pymem4j.api.PyObjectArenaAllocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;

/**
 * Arenas as private anonymous mappings, like CPython's {@code _PyObject_ArenaMmap} and
 * {@code _PyObject_ArenaMunmap}: the kernel hands out zero pages on first touch and takes
 * the whole range back on unmap, so a released arena really leaves the process's RSS.
 * A failed mapping ({@code MAP_FAILED}) becomes 0.
 *
 * @since 0.1
 */
public final class MmapArenaAllocator implements PyObjectArenaAllocator {

    private static final Logger log = LoggerFactory.getLogger(MmapArenaAllocator.class);

    private static final int PROT_READ = 0x1;
    private static final int PROT_WRITE = 0x2;
    private static final int MAP_PRIVATE = 0x02;
    /** Linux's value; the BSDs and macOS use 0x1000. */
    private static final int MAP_ANONYMOUS = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")
            ? 0x20 : 0x1000;
    private static final long MAP_FAILED = -1L;

    public static final MmapArenaAllocator INSTANCE = new MmapArenaAllocator();

    private MmapArenaAllocator() {
    }

    @Override
    public long alloc(long size) {
        if (size <= 0) {
            return 0;
        }
        long p = LibC.mmap(0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            log.debug("mmap of {} bytes failed", size);
            return 0;
        }
        return p;
    }

    @Override
    public void free(long ptr, long size) {
        if (ptr == 0) {
            return;
        }
        if (LibC.munmap(ptr, size) != 0) {
            throw new IllegalArgumentException("munmap(0x" + Long.toHexString(ptr) + ", " + size + ") failed:"
                    + " not an arena this allocator mapped");
        }
    }

    @Override
    public String toString() {
        return "mmap";
    }
}
