package io.pymem4j.guard;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.debug.BlockLayout;
import io.pymem4j.debug.DebugChecks;
import io.pymem4j.debug.DebugHook;
import io.pymem4j.debug.MemoryCorruptionError;
import io.pymem4j.debug.Problem;
import io.pymem4j.spi.BlockLimit;
import io.pymem4j.spi.BlockTracebacks;
import io.pymem4j.spi.Hook;
import io.pymem4j.spi.LayerLifecycle;
import io.pymem4j.spi.LiveBlocks;
import io.pymem4j.spi.LiveBlockCheck;
import io.pymem4j.spi.RuntimeView;

import java.lang.foreign.Arena;
import java.lang.ref.Cleaner;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import static io.pymem4j.debug.BlockLayout.HEADER;

/**
 * The guard layer's state in one runtime, shared by its three domains: the reserved region
 * and its slots, the threads' countdowns, and the sampled blocks'
 * life: made, checked at free or realloc, quarantined, checked again when they leave.
 *
 * <p>Everything here runs for sampled blocks only (and for pointers into the region), one
 * call in {@code guard.sample}: one lock serves them all, so that two threads freeing one
 * block, or freeing each other's blocks, see one order. The decoration, the checks and the
 * reports are the debug layer's ({@link DebugChecks}), run under that lock; a report is
 * written, and the policy applied, after the lock is let go and the block's slot is LEAKED
 * (never reused), so the report reads memory nothing else touches.
 *
 * <p>As a {@link LiveBlockCheck}, {@code PyMemRuntime.check()} runs {@link #check()}. While
 * the stack's tracer (tracemalloc) traces, a sampled block's free keeps the ids of its
 * allocation and free tracebacks, so that a double free or a write after free shows both, as
 * the debug layer's reports do.
 *
 * <h2>When the runtime closes</h2>
 * As a {@link LayerLifecycle}: {@link #beforeClose()} lets every quarantined block leave (a
 * block written after its free is reported as ever) and checks the live sampled blocks as
 * {@link #check()} does, then counts them (they live in the region, not in the layer below);
 * {@link #close()} gives the region back. After it, a call that reaches this class (a sampled
 * block's malloc, a free or realloc of a pointer into the region) throws
 * {@link IllegalStateException}, checked under the lock the call takes anyway; every other
 * call goes down to the closed layer below, which throws.
 *
 * @since 0.1
 */
public final class GuardHook implements Hook, LiveBlockCheck, LayerLifecycle {

    /** The function a report of {@link #check()} names: CPython's check of one block. */
    static final String CHECK_ADDRESS = DebugChecks.CHECK_ADDRESS;

    private static final Cleaner CLEANER = Cleaner.create(Thread.ofPlatform().name("pymem4j-guard-cleaner").factory());

    private final GuardConfig config;
    private final RuntimeView runtime;
    private final DebugChecks checks;
    /** Closes the region's arena: at the runtime's close, or once the layer is unreachable (a runtime never closed). */
    private final Cleaner.Cleanable regionCloser;
    /** The reserved region. */
    private final MemorySegment region;
    private final Slots slots;
    private final SampleCountdown countdown;
    /** Null when {@code guard.frames=0}: reports then take the stack's tracer. */
    private final SampledTraceback.Walker walker;
    /** The largest request sampled: a slot's room, within the runtime's block limit. */
    private final long maxSampled;
    private final long maxBlock;

    // Figures: under the lock of slots, but tooLarge, counted on the way down.
    private long serial;
    private long sampled;
    private long checked;
    private long problems;
    private long unslotted;
    private boolean closed;
    private final AtomicLong tooLarge = new AtomicLong();

    /**
     * @param config  the options
     * @param runtime the runtime the layer serves (its block limit; its tracer when
     *                {@code guard.frames=0}); may be null
     */
    public GuardHook(GuardConfig config, RuntimeView runtime) {
        this.config = config;
        this.runtime = runtime;
        BlockLayout layout = new BlockLayout(true);
        this.checks = new DebugChecks(layout, config.policy(), GuardAllocator.class, true, GuardHookProvider.NAME,
                false);
        Arena arena = Arena.ofShared();
        this.region = arena.allocate((long) config.slots() * config.slotBytes(), 4096);
        this.regionCloser = CLEANER.register(this, arena::close);
        this.slots = new Slots(region.address(), config.slots(), config.slotBytes(), config.quarantine());
        this.countdown = new SampleCountdown(config.sample(), config.seed());
        this.walker = config.frames() == 0 ? null : new SampledTraceback.Walker(config.frames());
        this.maxBlock = BlockLimit.of(runtime);
        this.maxSampled = Math.min(config.slotBytes() - layout.extraBytes(), maxBlock);
    }

    /** The guard layer of {@code runtime}'s stack, wherever it sits in it. */
    public static Optional<GuardHook> of(RuntimeView runtime) {
        return runtime.findHook(GuardHook.class);
    }

    @Override
    public GuardAllocator wrap(PyMemAllocatorDomain domain, PyMemAllocatorEx below) {
        return new GuardAllocator(this, domain, below, countdown, slots.start, region.byteSize());
    }

    public GuardConfig config() {
        return config;
    }

    /** True when {@code p} lies in the region sampled blocks come from: the test free and realloc make. */
    public boolean inRegion(long p) {
        return Long.compareUnsigned(p - slots.start, region.byteSize()) < 0;
    }

    /**
     * Makes the calling thread's next new block (malloc, calloc, realloc of NULL) a sampled
     * one, if it fits a slot: for a test that must catch one bug every time.
     */
    public void sampleNext() {
        countdown.sampleNext();
    }

    /** Blocks sampled: made in a slot with the debug decoration. */
    public long sampledBlocks() {
        synchronized (slots) {
            return sampled;
        }
    }

    /** Checks run on sampled blocks: at free and realloc, when one leaves the quarantine, by {@link #check()}. */
    public long checkedBlocks() {
        synchronized (slots) {
            return checked;
        }
    }

    /** Reports written: memory errors found on sampled blocks or pointers into the region. */
    public long problemsFound() {
        synchronized (slots) {
            return problems;
        }
    }

    /** Blocks that were to be sampled but passed down because every slot was live. */
    public long unslottedBlocks() {
        synchronized (slots) {
            return unslotted;
        }
    }

    /** Blocks that were to be sampled but passed down because they are larger than a slot holds. */
    public long tooLargeBlocks() {
        return tooLarge.get();
    }

    /** Sampled blocks live now. */
    public int liveBlocks() {
        synchronized (slots) {
            return slots.live();
        }
    }

    /** Freed sampled blocks in quarantine now. */
    public int quarantinedBlocks() {
        synchronized (slots) {
            return slots.queued();
        }
    }

    /**
     * Checks every sampled block now: a live one's decoration, a quarantined one's DEADBYTE
     * fill. Each problem is reported and its block leaked, as at a free.
     *
     * @return the problems found (under {@code throw} the first one throws, once all are
     *         reported, the others suppressed in it)
     */
    public int check() {
        List<Finding> found = new ArrayList<>();
        synchronized (slots) {
            checkOpen();
            for (int slot = 0; slot < slots.count; slot++) {
                long p = slots.base(slot) + HEADER;
                byte state = slots.state(slot);
                if (state == Slots.LIVE) {
                    checked++;
                    Problem problem = checks.check(p, slots.size(slot), slots.serial(slot), slots.made(slot).apiId());
                    if (problem != null) {
                        found.add(corrupt(CHECK_ADDRESS, p, slot, problem, slots.made(slot)));
                    }
                } else if (state == Slots.QUARANTINED) {
                    checked++;
                    if (!checks.stillFreed(p, slots.size(slot))) {
                        found.add(written(p, slot));
                    }
                }
            }
        }
        DebugChecks.reportEach(found, this::report);
        return found.size();
    }

    /** {@link #check()}: the sampled blocks are this layer's live blocks. */
    @Override
    public int checkLiveBlocks() {
        return check();
    }

    /**
     * The first round of the runtime's close: every quarantined block leaves, checked for a
     * write after free; every live sampled block is checked as {@link #check()} checks it; the
     * live ones left are counted, with the frames of their allocation when the layer keeps them.
     * Reports are written as at a free; under {@code throw} the first is thrown, once all are written.
     */
    @Override
    public LiveBlocks beforeClose() {
        List<Finding> found;
        synchronized (slots) {
            if (closed) {
                return null;
            }
            found = trimQuarantine(0);
        }
        MemoryCorruptionError thrown = null;
        try {
            DebugChecks.reportEach(found == null ? List.of() : found, this::report);
        } catch (MemoryCorruptionError e) {
            thrown = e;
        }
        try {
            check();
        } catch (MemoryCorruptionError e) {
            if (thrown == null) {
                thrown = e;
            } else {
                thrown.addSuppressed(e);
            }
        }
        LiveBlocks live = census();
        if (thrown != null) {
            throw thrown;
        }
        return live;
    }

    /** The live sampled blocks: their count, requested bytes, and the first {@link LiveBlocks#SAMPLE}. */
    private LiveBlocks census() {
        List<LiveBlocks.Block> sample = new ArrayList<>();
        long blocks = 0;
        long bytes = 0;
        synchronized (slots) {
            for (int slot = 0; slot < slots.count; slot++) {
                if (slots.state(slot) != Slots.LIVE) {
                    continue;
                }
                blocks++;
                bytes += slots.size(slot);
                if (sample.size() < LiveBlocks.SAMPLE) {
                    long p = slots.base(slot) + HEADER;
                    BlockTracebacks at = slots.traceback(slot);
                    PyMemAllocatorDomain domain = slots.made(slot);
                    sample.add(new LiveBlocks.Block(domain, p, slots.size(slot),
                            at == null ? null : at.frames(domain, p)));
                }
            }
        }
        return new LiveBlocks(GuardHookProvider.NAME, blocks, bytes, sample);
    }

    /**
     * Gives the region back; every later call that reaches this layer's sampled blocks throws
     * {@link IllegalStateException}.
     */
    @Override
    public void close() {
        synchronized (slots) {
            if (closed) {
                return;
            }
            closed = true;
        }
        regionCloser.clean();
    }

    /** Throws {@link IllegalStateException} once the layer is closed; under the lock of slots. */
    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("guard: the runtime of this layer is closed");
        }
    }

    // ---------------------------------------------------------------- for GuardAllocator

    /** The requested size of the live sampled block at {@code p}, a pointer into the region; else -1 (unknown). */
    long liveSize(long p) {
        synchronized (slots) {
            checkOpen();
            int slot = slots.slotOf(p);
            return p == slots.base(slot) + HEADER && slots.state(slot) == Slots.LIVE ? slots.size(slot) : -1;
        }
    }

    /**
     * Makes a sampled block of {@code size} bytes for {@code domain} in a free slot.
     *
     * @return its user pointer, or 0 when it is not sampled after all (too large for a slot,
     *         no slot free, a bad size): the caller passes the request down
     */
    long allocate(PyMemAllocatorDomain domain, long size, boolean zeroed) {
        if (size < 0 || size > maxSampled) {
            if (size > maxSampled) {
                tooLarge.incrementAndGet();
            }
            return 0;
        }
        BlockTracebacks allocatedAt = capture();
        Finding evicted = null;
        long p = 0;
        synchronized (slots) {
            checkOpen();
            int slot = slots.take();
            if (slot < 0 && slots.queued() > 0) {
                // The oldest quarantined block leaves early. If it was written after its free,
                // that is reported and this block passes down: a report that throws then
                // leaves no sampled block behind that its caller never got.
                evicted = leave(slots.oldest());
                slot = evicted == null ? slots.take() : -1;
            }
            if (slot < 0) {
                unslotted++;
            } else {
                long base = slots.base(slot);
                if (zeroed) {
                    NativeMemory.fill(base + HEADER, size, (byte) 0);
                }
                long number = ++serial;
                p = base + HEADER;
                checks.decorate(p, size, number, domain.apiId(), zeroed);
                slots.live(slot, size, number, domain, allocatedAt);
                sampled++;
            }
        }
        report(evicted);
        return p;
    }

    /** {@code _PyMem_DebugRawFree} of {@code p}, a pointer into the region, through {@code domain}. */
    void free(PyMemAllocatorDomain domain, long p) {
        // Asked before the lock: the tracer takes its own.
        long ids = DebugHook.tracebackIds(tracer(), domain, p);
        Finding finding;
        List<Finding> evicted = null;
        synchronized (slots) {
            checkOpen();
            int slot = slots.slotOf(p);
            finding = refused(DebugChecks.RAW_FREE, p, slot, true, domain);
            if (finding == null) {
                finding = checked(DebugChecks.RAW_FREE, p, slot, domain);
            }
            if (finding == null) {
                quarantine(p, slot, domain, 0, ids);
                evicted = trimQuarantine(slots.limit);
            }
        }
        report(finding);
        if (evicted != null) {
            DebugChecks.reportEach(evicted, this::report);
        }
    }

    /**
     * {@code _PyMem_DebugRawRealloc} of {@code p}, a pointer into the region, through
     * {@code domain}: the block is resized in its slot when the new size fits one, else moved
     * to a block of {@code below} (and its slot freed); a failed or refused realloc returns 0
     * and leaves the block as it was. A realloc lets no block leave the quarantine (the next
     * free does): a write after free found then would be reported by throwing from a realloc
     * that has already moved its caller's block.
     */
    long realloc(PyMemAllocatorDomain domain, long p, long newSize, PyMemAllocatorEx below) {
        boolean stays = newSize >= 0 && newSize <= maxSampled;
        BlockTracebacks allocatedAt = stays ? capture() : null;
        long ids = stays ? 0 : DebugHook.tracebackIds(tracer(), domain, p);
        Finding finding;
        long result = 0;
        synchronized (slots) {
            checkOpen();
            int slot = slots.slotOf(p);
            finding = refused(DebugChecks.RAW_REALLOC, p, slot, false, domain);
            if (finding == null) {
                finding = checked(DebugChecks.RAW_REALLOC, p, slot, domain);
            }
            if (finding == null && newSize >= 0 && newSize <= maxBlock) {
                long oldSize = slots.size(slot);
                if (stays) {
                    long number = ++serial;
                    checks.resizeInPlace(p, oldSize, newSize, number, domain.apiId());
                    slots.live(slot, newSize, number, domain, allocatedAt);
                    result = p;
                } else {
                    long q = below.malloc(newSize);
                    if (q != 0) {
                        NativeMemory.copy(p, q, Math.min(oldSize, newSize));
                        quarantine(p, slot, domain, q, ids);
                        result = q;
                    }
                }
            }
        }
        report(finding);
        return result;
    }

    // ---------------------------------------------------------------- under the lock of slots

    /**
     * What is wrong with freeing or reallocating {@code p} through {@code call} when it is not
     * a live block's start, else null.
     */
    private Finding refused(String function, long p, int slot, boolean isFree, PyMemAllocatorDomain call) {
        long start = slots.base(slot) + HEADER;
        byte state = slots.state(slot);
        if (p == start && state == Slots.LIVE) {
            return null;
        }
        problems++;
        if (p == start && (state == Slots.QUARANTINED || state == Slots.RELEASED)) {
            return new Finding(Finding.Kind.FREED_BEFORE, isFree ? Problem.DOUBLE_FREE : Problem.USE_AFTER_FREE,
                    function, p, slot, slots.through(slot), slots.movedTo(slot), call);
        }
        if (p == start && state == Slots.LEAKED) {
            return new Finding(Finding.Kind.LEAKED_BEFORE, Problem.NOT_LIVE, function, p, slot, null, 0, call);
        }
        if (state == Slots.LIVE && p > start && p < start + slots.size(slot)) {
            return new Finding(Finding.Kind.INTERIOR, Problem.INTERIOR_POINTER, function, p, slot, null, start, call);
        }
        return new Finding(Finding.Kind.NOT_LIVE, Problem.NOT_LIVE, function, p, slot, null, 0, call);
    }

    /** {@code _PyMem_DebugCheckAddress} of the live block of {@code slot} through {@code domain}: a finding (the block leaked), or null. */
    private Finding checked(String function, long p, int slot, PyMemAllocatorDomain domain) {
        checked++;
        Problem problem = checks.check(p, slots.size(slot), slots.serial(slot), domain.apiId());
        return problem == null ? null : corrupt(function, p, slot, problem, domain);
    }

    private Finding corrupt(String function, long p, int slot, Problem problem, PyMemAllocatorDomain through) {
        problems++;
        slots.leak(slot);
        return new Finding(Finding.Kind.CORRUPT, problem, function, p, slot, through, 0, through);
    }

    private Finding written(long p, int slot) {
        problems++;
        slots.leak(slot);
        return new Finding(Finding.Kind.WRITTEN, Problem.WRITE_AFTER_FREE, DebugChecks.RAW_FREE, p, slot, null, 0,
                null);
    }

    /** Fills the freed block with DEADBYTE and queues it in the quarantine, with its traceback ids. */
    private void quarantine(long p, int slot, PyMemAllocatorDomain domain, long movedTo, long ids) {
        checks.fillFreed(p, slots.size(slot));
        slots.quarantine(slot, domain, movedTo, ids);
    }

    /** The oldest blocks leave the quarantine until it holds at most {@code bound}: the written ones found, or null. */
    private List<Finding> trimQuarantine(int bound) {
        List<Finding> written = null;
        while (slots.queued() > bound) {
            Finding f = leave(slots.oldest());
            if (f != null) {
                if (written == null) {
                    written = new ArrayList<>(1);
                }
                written.add(f);
            }
        }
        return written;
    }

    /** A block leaves the quarantine: still all DEADBYTE, its slot is free again; else it is a write after free. */
    private Finding leave(int slot) {
        long p = slots.base(slot) + HEADER;
        checked++;
        if (checks.stillFreed(p, slots.size(slot))) {
            slots.release(slot);
            return null;
        }
        return written(p, slot);
    }

    // ---------------------------------------------------------------- reports, outside the lock

    private BlockTracebacks capture() {
        return walker == null ? null : walker.capture();
    }

    /**
     * Writes the report of a finding with the debug layer's text, then the policy acts. The
     * slot is LEAKED or no block's, so nothing writes the memory the report reads; its record
     * is read under the lock.
     */
    private void report(Finding f) {
        if (f == null) {
            return;
        }
        long size;
        long number;
        PyMemAllocatorDomain made;
        BlockTracebacks allocatedAt;
        long ids;
        synchronized (slots) {
            size = slots.size(f.slot());
            number = slots.serial(f.slot());
            made = slots.made(f.slot());
            allocatedAt = slots.traceback(f.slot());
            ids = slots.freedIds(f.slot());
        }
        BlockTracebacks tracebacks = allocatedAt != null ? allocatedAt : tracer();
        long p = f.p();
        switch (f.kind()) {
            case CORRUPT -> checks.corrupt(f.function(), p, f.problem(), f.through(), size, number, made, tracebacks);
            // The tracer's ids name its tracebacks: kept when the tracer is the report's source.
            case WRITTEN -> checks.writtenAfterFree(p, size, number, made, tracebacks, allocatedAt != null ? 0 : ids);
            case FREED_BEFORE -> checks.freedBefore(f.function(), p, f.problem() == Problem.DOUBLE_FREE, size, number,
                    made, f.through(), f.address(), f.call(), ids, tracer());
            case LEAKED_BEFORE -> checks.leakedBefore(f.function(), p, size, made, f.call(), tracer());
            case INTERIOR -> checks.interior(f.function(), p, f.address(), size, made, f.call(), tracer());
            case NOT_LIVE -> checks.notLive(f.function(), p, List.of("It lies in the guard layer's region of sampled"
                    + " blocks, but no live block starts there."), f.call(), tracer());
        }
    }

    /** The tracer of the runtime's stack (tracemalloc), for reports of pointers that are no live block. */
    private BlockTracebacks tracer() {
        return runtime == null ? null : runtime.findHook(BlockTracebacks.class).orElse(null);
    }
}
