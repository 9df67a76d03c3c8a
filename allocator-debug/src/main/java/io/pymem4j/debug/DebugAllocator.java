package io.pymem4j.debug;

import io.pymem4j.api.InterpreterLock;
import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.spi.AlignedAllocation;
import io.pymem4j.spi.UsableSize;

import static io.pymem4j.debug.BlockLayout.CLEANBYTE;
import static io.pymem4j.debug.BlockLayout.DEADBYTE;
import static io.pymem4j.debug.BlockLayout.HEADER;

/**
 * The debug hooks of one domain over the allocator below: CPython's
 * {@code _PyMem_DebugRawMalloc}, {@code _PyMem_DebugRawCalloc}, {@code _PyMem_DebugRawRealloc}
 * and {@code _PyMem_DebugRawFree} with the domain's API id as their context; in GIL mode (or
 * after {@link DebugHook#checkInterpreterLock}) the MEM and OBJ hooks are
 * {@code _PyMem_DebugMalloc} ... {@code _PyMem_DebugFree}, which first check that the
 * calling thread holds the interpreter lock.
 *
 * <p>Sizes above {@code PY_SSIZE_T_MAX - EXTRA}, sizes above the runtime's
 * {@linkplain io.pymem4j.spi.BlockLimit largest block} and negative ones return NULL without
 * reaching the backend (so the layer never fills more than a backend could back: the one
 * compare serves both limits); {@code malloc(0)} asks the backend for the overhead only, which
 * gives a distinct pointer; {@code realloc(0, n)} is {@code malloc(n)}; {@code free(0)} does
 * nothing. Every other pointer given to {@code free} or {@code realloc} is checked: see
 * {@link DebugHook}.
 *
 * <h2>Aligned blocks</h2>
 * {@link #alignedMalloc} keeps the user's pointer aligned, where the header would shift it:
 * <pre>
 *   alignment up to 16:  b = below.alignedMalloc(alignment, total)      p = b + 16 (as any block)
 *   alignment A above:   b = below.alignedMalloc(A, total + A - 16)     p = b + A
 *      b                         p-24        p-16     p-8  p          p+n
 *      | slack (A - 24 bytes)    | A (word)  | size   | id | data ... | trailing pads, serial
 * </pre>
 * Such a block's id byte is its domain's in upper case ('R', 'M', 'O'), which free reads
 * after the check has found the id intact: it then gives {@code b = p - A} back, past the
 * quarantine. Realloc moves it into an ordinary block (C's realloc keeps no alignment either).
 * {@link #usableSize} is the requested size of a live block.
 *
 * @since 0.1
 */
public final class DebugAllocator implements PyMemAllocatorEx, AlignedAllocation, UsableSize {

    /** {@code ERASED_SIZE}: bytes saved and erased at each end of the data by realloc. */
    static final int ERASED_SIZE = 64;

    private final DebugHook hook;
    private final PyMemAllocatorDomain domain;
    private final PyMemAllocatorEx below;
    private final BlockLayout layout;
    private final DebugChecks checks;
    private final char apiId;
    /** The largest request passed down: the smaller of the layout's and the runtime's block limit. */
    private final long maxSize;
    /**
     * The lock MEM and OBJ callers must hold (GIL mode, or {@link DebugHook#checkInterpreterLock}),
     * or null: RAW, or nothing to check. Set before the allocator is shared, read on every call.
     */
    private InterpreterLock gil;
    /** {@code _PyMem_DebugCheckAddress} with this domain's id, as the block table runs it. */
    private final BlockTable.Check check;
    /** Per thread, where realloc keeps the ends of the data it erases (one per layer: layers may stack). */
    private final ThreadLocal<byte[]> erased = ThreadLocal.withInitial(() -> new byte[2 * ERASED_SIZE]);

    DebugAllocator(DebugHook hook, PyMemAllocatorDomain domain, PyMemAllocatorEx below, InterpreterLock gil) {
        this.hook = hook;
        this.domain = domain;
        this.below = below;
        this.layout = hook.layout();
        this.checks = hook.checks();
        this.apiId = domain.apiId();
        this.maxSize = Math.min(layout.maxRequest(), hook.maxBlock());
        this.gil = domain == PyMemAllocatorDomain.RAW ? null : gil;
        this.check = (p, size, serial) -> hook.check(p, size, serial, apiId);
    }

    /**
     * {@code _PyMem_DebugCheckGIL}, named after the hook function as CPython names it: true
     * when the caller lacks the interpreter lock and the policy ({@code log}) let the report
     * return. The call is then refused, never passed down: the allocator below (pymalloc in
     * GIL mode) takes no lock of its own and would be corrupted by two threads at once.
     */
    private boolean refusedWithoutGil(String function) {
        if (gil != null && !gil.isHeldByCurrentThread()) {
            hook.noGil(function, domain);
            return true;
        }
        return false;
    }

    /** From now on a MEM or OBJ call checks {@code lock}; RAW keeps checking nothing. */
    void checkInterpreterLock(InterpreterLock lock) {
        if (domain != PyMemAllocatorDomain.RAW) {
            gil = lock;
        }
    }

    /** The layer this allocator belongs to. */
    public DebugHook hook() {
        return hook;
    }

    public PyMemAllocatorDomain domain() {
        return domain;
    }

    /** The allocator this one wraps. */
    public PyMemAllocatorEx below() {
        return below;
    }

    @Override
    public long malloc(long size) {
        if (refusedWithoutGil("_PyMem_DebugMalloc")) {
            return 0;
        }
        return allocate(false, size);
    }

    @Override
    public long calloc(long nelem, long elsize) {
        if (refusedWithoutGil("_PyMem_DebugCalloc")) {
            return 0;
        }
        if (PyMemAllocatorEx.callocOverflows(nelem, elsize)) {
            return 0;
        }
        return allocate(true, nelem * elsize);
    }

    /** {@code _PyMem_DebugRawAlloc}. */
    private long allocate(boolean zeroed, long size) {
        if (size < 0 || size > maxSize) {
            return 0;
        }
        long total = layout.total(size);
        long base = zeroed ? below.calloc(1, total) : below.malloc(total);
        if (base == 0) {
            return 0;
        }
        return decorate(base, base + HEADER, size, zeroed, apiId);
    }

    /**
     * Writes the header, the fill and the trailer of a new block at user pointer {@code p}
     * ({@code base} is the backend's block) and records it; 0 when it cannot be recorded (the
     * block goes back to the backend).
     *
     * @throws IllegalStateException when the layer is closed (the block went back)
     */
    private long decorate(long base, long p, long size, boolean zeroed, char id) {
        long serial = hook.nextSerial();
        checks.decorate(p, size, serial, id, zeroed);
        if (!hook.adopt(p, size, serial, domain)) {
            below.free(base);
            hook.checkOpen();
            return 0;
        }
        return p;
    }

    /**
     * A block of {@code size} bytes whose user pointer is a multiple of {@code alignment}
     * (see the class doc), filled with CLEANBYTE as malloc's.
     *
     * @throws UnsupportedOperationException when the allocator below cannot align
     */
    @Override
    public long alignedMalloc(long alignment, long size) {
        if (refusedWithoutGil("_PyMem_DebugMalloc")) {
            return 0;
        }
        if (!(below instanceof AlignedAllocation aligned)) {
            throw new UnsupportedOperationException("debug: the allocator below, " + below + ", cannot align a block to "
                    + alignment + " bytes");
        }
        if (size < 0 || size > maxSize - alignment) {
            return 0;
        }
        long total = layout.total(size);
        if (alignment <= HEADER) {
            long base = aligned.alignedMalloc(alignment, total);
            return base == 0 ? 0 : decorate(base, base + HEADER, size, false, apiId);
        }
        long base = aligned.alignedMalloc(alignment, total + alignment - HEADER);
        if (base == 0) {
            return 0;
        }
        long p = base + alignment;
        NativeMemory.putLong(p - BlockLayout.ALIGNMENT_WORD, alignment);
        return decorate(base, p, size, false, BlockLayout.alignedId(apiId));
    }

    /** The requested size of the live block at {@code p}; {@link UsableSize#UNKNOWN} for any other pointer. */
    @Override
    public long usableSize(long p) {
        long size = hook.liveSize(p);
        return size < 0 ? UNKNOWN : size;
    }

    /** {@code _PyMem_DebugRawFree}. */
    @Override
    public void free(long p) {
        if (refusedWithoutGil("_PyMem_DebugFree") || p == 0) {
            // Without the lock the block is kept: it stays live, and a later free holding the lock frees it.
            return;
        }
        long tracebacks = hook.freeTracebacks(p, domain);
        long size = hook.take(p, domain, false, check, tracebacks);
        if (size < 0) {
            hook.refused(DebugHook.RAW_FREE, p, size, domain, true);
            return;
        }
        hook.release(p, size, below, tracebacks);
    }

    /**
     * {@code _PyMem_DebugRawRealloc}: checks the block, marks its header, trailer and up to
     * {@value #ERASED_SIZE} bytes at each end of its data DEADBYTE (saving them), lets the
     * backend resize it, then writes the decorations again, restores the saved bytes and
     * fills any growth with CLEANBYTE. A failed resize leaves the block as it was.
     */
    @Override
    public long realloc(long p, long newSize) {
        if (refusedWithoutGil("_PyMem_DebugRealloc")) {
            return 0; // the block stays as it was, as after a failed resize
        }
        if (p == 0) {
            return allocate(false, newSize);
        }
        long oldSize = hook.take(p, domain, true, check, 0);
        if (oldSize < 0) {
            hook.refused(DebugHook.RAW_REALLOC, p, oldSize, domain, false);
            return 0;
        }
        if (newSize < 0 || newSize > maxSize) {
            hook.putBack(p);
            return 0;
        }
        if (BlockLayout.isAlignedId(BlockLayout.readId(p))) {
            return reallocAligned(p, oldSize, newSize);
        }
        // The check found the serial field equal to the record: it is the block's serial.
        long oldSerial = layout.serialNumbers() ? BlockLayout.readSerial(p, oldSize) : 0;
        long head = p - HEADER;
        byte[] saved = erased.get();
        erase(p, oldSize, saved);

        long r = below.realloc(head, layout.total(newSize));
        long size = r == 0 ? oldSize : newSize;
        long serial = r == 0 ? oldSerial : hook.nextSerial();
        long base = r == 0 ? head : r;
        long q = base + HEADER;
        layout.writeHeader(base, size, apiId);
        layout.writeTrailer(q, size, serial);
        restore(q, saved, oldSize, size);
        if (r == 0) {
            hook.putBack(p);
            return 0;
        }
        if (size > oldSize) {
            BlockLayout.fill(q + oldSize, size - oldSize, CLEANBYTE);
        }
        if (q != p) {
            hook.moved(p, q, hook.freeTracebacks(p, domain));
        }
        if (!hook.adopt(q, size, serial, domain)) {
            // The backend freed p when it moved the block: no NULL can keep the caller's block.
            throw new OutOfMemoryError("the debug layer's block table cannot grow to record the block"
                    + " a realloc moved to " + BlockReport.hex(q));
        }
        return q;
    }

    /**
     * Realloc of a block made for a strict alignment, taken and checked: its content moves
     * into a new ordinary block, and it is released; a failed allocation leaves it live.
     */
    private long reallocAligned(long p, long oldSize, long newSize) {
        long q = allocate(false, newSize);
        if (q == 0) {
            hook.putBack(p);
            return 0;
        }
        NativeMemory.copy(p, q, Math.min(oldSize, newSize));
        long base = p - NativeMemory.getLong(p - BlockLayout.ALIGNMENT_WORD);
        BlockLayout.fill(base, p - base + layout.total(oldSize) - HEADER, DEADBYTE);
        hook.moved(p, q, hook.freeTracebacks(p, domain));
        below.free(base);
        return q;
    }

    /** Saves the ends of the data in {@code saved} and fills them, the header and the trailer with DEADBYTE. */
    private void erase(long p, long size, byte[] saved) {
        long head = p - HEADER;
        if (size <= 2 * ERASED_SIZE) {
            NativeMemory.copyToArray(p, saved, 0, (int) size);
            BlockLayout.fill(head, layout.total(size), DEADBYTE);
            return;
        }
        long tail = p + size;
        NativeMemory.copyToArray(p, saved, 0, ERASED_SIZE);
        BlockLayout.fill(head, HEADER + ERASED_SIZE, DEADBYTE);
        NativeMemory.copyToArray(tail - ERASED_SIZE, saved, ERASED_SIZE, ERASED_SIZE);
        BlockLayout.fill(tail - ERASED_SIZE, ERASED_SIZE + layout.extraBytes() - HEADER, DEADBYTE);
    }

    /** Puts the saved bytes back into the resized data at {@code q}, up to the smaller size. */
    private static void restore(long q, byte[] saved, long oldSize, long newSize) {
        if (oldSize <= 2 * ERASED_SIZE) {
            NativeMemory.copyFromArray(saved, 0, q, (int) Math.min(oldSize, newSize));
            return;
        }
        NativeMemory.copyFromArray(saved, 0, q, (int) Math.min(newSize, ERASED_SIZE));
        long tailStart = oldSize - ERASED_SIZE;
        if (newSize > tailStart) {
            NativeMemory.copyFromArray(saved, ERASED_SIZE, q + tailStart, (int) Math.min(newSize - tailStart, ERASED_SIZE));
        }
    }

    @Override
    public String toString() {
        return "debug(" + domain + ", api '" + apiId + "') over " + below;
    }
}
