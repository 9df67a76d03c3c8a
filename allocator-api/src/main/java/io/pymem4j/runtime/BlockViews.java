package io.pymem4j.runtime;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.spi.AlignedAllocation;
import io.pymem4j.spi.UsableSize;

/**
 * The runtime's side of segments and aligned blocks: which layer answers a block's usable
 * size, how an aligned request reaches the domain's allocator, and the block behind a
 * segment of a given size and alignment. The public entry points are
 * {@link PyMemRuntime}'s.
 */
final class BlockViews {

    /** The alignment every block of the contract has where the backend says so, served by plain malloc. */
    private static final long MALLOC_ALIGNMENT = 16;

    private BlockViews() {
    }

    /** Refuses a view of {@code size} bytes at {@code address} past what the stack knows of the block. */
    static void checkLength(PyMemRuntime rt, long address, long size) {
        if (address != 0 && size > 0) {
            long usable = usableSize(rt, address);
            if (usable != UsableSize.UNKNOWN && size > usable) {
                throw new IllegalArgumentException("no segment of " + size + " bytes at 0x" + Long.toHexString(address)
                        + ": the block has " + usable + " usable bytes");
            }
        }
    }

    /** The MEM domain's allocator's answer, else the RAW domain's. */
    static long usableSize(PyMemRuntime rt, long address) {
        long n = usableSize(rt.stackTop(PyMemAllocatorDomain.MEM), address);
        return n != UsableSize.UNKNOWN ? n : usableSize(rt.stackTop(PyMemAllocatorDomain.RAW), address);
    }

    private static long usableSize(PyMemAllocatorEx a, long address) {
        return a instanceof UsableSize u ? u.usableSize(address) : UsableSize.UNKNOWN;
    }

    /**
     * An aligned block from {@code a}, the allocator of {@code domain}: its own aligned
     * allocation, else up to 16 bytes a plain malloc that happens to be aligned.
     */
    static long alignedMalloc(PyMemAllocatorEx a, PyMemAllocatorDomain domain, long alignment, long size) {
        if (a instanceof AlignedAllocation aligned) {
            return aligned.alignedMalloc(alignment, size);
        }
        if (alignment <= MALLOC_ALIGNMENT) {
            long p = a.malloc(size);
            if ((p & (alignment - 1)) == 0) {
                return p;
            }
            a.free(p);
        }
        throw new UnsupportedOperationException("the " + domain + " allocator " + a + " cannot align a block to "
                + alignment + " bytes: it does not implement " + AlignedAllocation.class.getName());
    }

    /**
     * The block of a segment of {@code byteSize} bytes at {@code byteAlignment} in
     * {@code domain}: plain malloc up to 8 bytes of alignment, aligned allocation above.
     *
     * @throws OutOfMemoryError when the allocator returns NULL
     */
    static long allocate(PyMemRuntime rt, PyMemAllocatorDomain domain, long byteSize, long byteAlignment) {
        if (byteSize < 0) {
            throw new IllegalArgumentException("negative size " + byteSize);
        }
        PageSize.checkAlignment(byteAlignment);
        boolean plain = byteAlignment <= 8;
        long p = plain ? rt.malloc(domain, byteSize) : rt.alignedMalloc(domain, byteAlignment, byteSize);
        if (p == 0) {
            throw new OutOfMemoryError("pymem4j: " + domain + (plain ? " malloc(" + byteSize + ")"
                    : " alignedMalloc(" + byteAlignment + ", " + byteSize + ")") + " returned NULL");
        }
        return p;
    }
}
