package io.pymem4j.reliability;

import io.pymem4j.api.AllocatorSetupException;
import io.pymem4j.api.InterpreterLock;
import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.pymalloc.Pymalloc;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.spi.UsableSize;
import io.pymem4j.tracemalloc.Tracemalloc;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs a program of {@link Op}s through a runtime beside a model of its live blocks (address,
 * size, domain, and the exact bytes each must hold), and after every step checks that
 * <ul>
 *   <li>the new block does not overlap any live one (a block of 0 bytes counts as 1) and is
 *       aligned as the stack promises;</li>
 *   <li>calloc's block is all zero;</li>
 *   <li>realloc kept the bytes it must keep;</li>
 *   <li>every live block still holds its bytes (each is stamped with random bytes when made);</li>
 *   <li>the stack's own counts equal the model's: pymalloc's {@code allocatedBlocks} = live MEM
 *       and OBJ blocks, the debug layer's live blocks = all live blocks, tracemalloc's traced
 *       bytes = the sum of the sizes of those made while tracing;</li>
 *   <li>under the debug layer, its table holds every live block with its requested size
 *       ({@code usableSize}).</li>
 * </ul>
 * The debug layer counts its live blocks by a scan of its whole table, which under Jazzer's
 * instrumentation makes a native call for each record it passes: {@link #checkKeepingRuntime}, the
 * fuzzer's, makes that count at the end of the program only (where it must be 0) and only when
 * asked, and relies on the table's answer for each live block after every step and for each block
 * the program made once all are freed (none may still be live).
 * The steps beyond malloc, calloc, realloc and free (made by {@link ApiSequenceCoverageFuzzTest}):
 * {@code segment} views a live block, which must hold the block's bytes, write through to it,
 * and refuse an access past its end; {@code setupAllocators} on the used runtime (before first
 * use it is not called) re-installs
 * its own stack (kept, blocks and counts unchanged) or names another backend or a
 * layout-changing layer (refused with an {@link AllocatorSetupException}, nothing changed);
 * tracemalloc's stop clears every trace and start traces the blocks made after it (on stacks
 * without tracemalloc both do nothing).
 * At the end every block is freed (checked first) and the counts must be back to 0. A
 * failed check throws an {@link AssertionError} naming the step; jqwik then shrinks the
 * program to a minimal one that still fails.
 */
final class ModelRun {

    /** Figures over every run of this JVM, for the log and RELIABILITY.md. */
    static final AtomicLong PROGRAMS = new AtomicLong();
    static final AtomicLong STEPS = new AtomicLong();
    static final AtomicLong BLOCK_CHECKS = new AtomicLong();
    static final AtomicLong BYTES_CHECKED = new AtomicLong();

    private record Block(long address, long size, PyMemAllocatorDomain domain, byte[] content, boolean traced) {
        long end() {
            return address + Math.max(1, size);
        }
    }

    private static final MemorySegment ZEROS = MemorySegment.ofArray(new byte[1 << 16]);

    private final StackUnderTest stack;
    private final PyMemRuntime rt;
    private final SplittableRandom random;
    private final List<Block> live = new ArrayList<>();
    private final TreeMap<Long, Block> byAddress = new TreeMap<>();
    private int step;
    private Op op;
    private boolean tracing;
    /** Whether the debug layer's live blocks are counted after every step, and at the end. */
    private final boolean countTableEveryStep;
    private final boolean countTableAtEnd;
    /** Every address the stack handed out to this program, for the debug layer's check at the end. */
    private final List<Long> made = new ArrayList<>();
    /** Set by the first allocator call: until then {@code setupAllocators} may install any stack. */
    private boolean used;

    private ModelRun(StackUnderTest stack, PyMemRuntime rt, long seed, boolean countTableEveryStep,
                     boolean countTableAtEnd) {
        this.stack = stack;
        this.countTableEveryStep = countTableEveryStep;
        this.countTableAtEnd = countTableAtEnd;
        this.rt = rt;
        this.random = new SplittableRandom(seed);
        this.tracing = stack.traced();
    }

    /** Runs {@code program} on a new runtime of {@code stack}; the runtime is closed after. */
    static void check(StackUnderTest stack, List<Op> program) {
        check(stack, stack.start(), program);
    }

    /** Runs {@code program} on {@code rt}, which has {@code stack}'s layout; {@code rt} is closed after. */
    static void check(StackUnderTest stack, PyMemRuntime rt, List<Op> program) {
        run(stack, rt, program, true, true);
    }

    /**
     * Runs {@code program} on {@code rt}, a runtime {@code stack} {@linkplain StackUnderTest#start() started}
     * and possibly used by earlier programs, and leaves it as {@code start()} made it for the next one: every
     * block freed (checked), tracing restarted with no trace on a traced stack. What the layers keep between
     * programs does not enter the model: pymalloc's arenas and pools, the debug layer's serial numbers and
     * history of frees, tracemalloc's interned tracebacks. The debug layer's table is counted at the end, and
     * only when {@code countTable} (see the class comment). After a failure {@code rt} is left as the failure
     * left it: close it, do not reuse it.
     */
    static void checkKeepingRuntime(StackUnderTest stack, PyMemRuntime rt, List<Op> program, boolean countTable) {
        run(stack, rt, program, false, countTable);
    }

    /** {@code close}: the model test's run (the table counted at every step, the runtime closed after); else the fuzzer's. */
    private static void run(StackUnderTest stack, PyMemRuntime rt, List<Op> program, boolean close,
                            boolean countTableAtEnd) {
        ModelRun run = new ModelRun(stack, rt, program.hashCode(), close, countTableAtEnd);
        try (InterpreterLock.Held _ = StackUnderTest.hold(rt)) {
            try {
                for (Op o : program) {
                    run.apply(o);
                }
                run.freeAll();
                if (!close && stack.traced()) {
                    // stop() clears every trace and counter, the peak too; start(1) is what start() did.
                    Tracemalloc tracemalloc = Tracemalloc.of(rt);
                    tracemalloc.stop();
                    tracemalloc.start(1);
                }
            } finally {
                run.releaseQuietly();
                if (close) {
                    StackUnderTest.close(rt);
                }
            }
        }
        PROGRAMS.incrementAndGet();
    }

    private void apply(Op o) {
        step++;
        op = o;
        STEPS.incrementAndGet();
        if (o.kind().ordinal() <= Op.Kind.FREE.ordinal()) {
            used = true;
        }
        switch (o.kind()) {
            case MALLOC -> {
                long p = rt.malloc(o.domain(), o.size());
                added(p, o.size(), o.domain(), false);
            }
            case CALLOC -> {
                long p = rt.calloc(o.domain(), o.size(), o.elsize());
                added(p, (long) o.size() * o.elsize(), o.domain(), true);
            }
            case REALLOC -> {
                if (live.isEmpty()) {
                    long p = rt.realloc(o.domain(), 0, o.size());
                    added(p, o.size(), o.domain(), false);
                } else {
                    realloc(take(o.pick()), o.size());
                }
            }
            case FREE -> {
                if (live.isEmpty()) {
                    rt.free(o.domain(), 0);
                } else {
                    Block b = take(o.pick());
                    checkContent(b);
                    rt.free(b.domain(), b.address());
                }
            }
            case SEGMENT -> segment(o);
            case SETUP -> setup(o.pick());
            case TRACE_START -> {
                if (stack.traced()) {
                    Tracemalloc.of(rt).start(1);
                    tracing = true;
                }
            }
            case TRACE_STOP -> {
                if (stack.traced()) {
                    Tracemalloc.of(rt).stop();
                    tracing = false;
                    for (int i = 0; i < live.size(); i++) {
                        Block b = live.get(i);
                        Block untraced = new Block(b.address(), b.size(), b.domain(), b.content(), false);
                        live.set(i, untraced);
                        byAddress.put(b.address(), untraced);
                    }
                }
            }
        }
        checkAll();
    }

    private void segment(Op o) {
        if (live.isEmpty()) {
            try {
                rt.segment(0, o.size());
                fail("segment(NULL, " + o.size() + ") gave a view");
            } catch (IllegalArgumentException expected) {
                return;
            }
        }
        Block b = live.get(o.pick() % live.size());
        MemorySegment view = rt.segment(b.address(), b.size());
        if (view.byteSize() != b.size() || view.address() != b.address()) {
            fail("segment(0x" + Long.toHexString(b.address()) + ", " + b.size() + ") is " + view);
        }
        if (b.size() > 0) {
            int at = o.elsize() % (int) b.size();
            byte value = (byte) random.nextInt();
            view.set(java.lang.foreign.ValueLayout.JAVA_BYTE, at, value);
            b.content()[at] = value;
        }
        try {
            view.get(java.lang.foreign.ValueLayout.JAVA_BYTE, b.size());
            fail("the view of a block of " + b.size() + " bytes reads past its end");
        } catch (IndexOutOfBoundsException expected) {
            // The view is bounds-checked.
        }
    }

    /** The names {@code setupAllocators} is given: the stack's own, then ones a used runtime must refuse. */
    private void setup(int pick) {
        if (!used) {
            // Any stack may be installed before first use, and the model follows only the one it was given.
            return;
        }
        String own = rt.stackSpec().name();
        String other = switch (pick % 3) {
            case 0 -> own;
            case 1 -> (stack.backend().equals("malloc") ? "pymalloc" : "malloc") + stack.hooks();
            default -> stack.debugged() ? stack.backend() + stack.hooks().replace("+debug", "") : own + "+debug";
        };
        try {
            rt.setupAllocators(other);
        } catch (AllocatorSetupException e) {
            if (other.equals(own)) {
                fail("setupAllocators(" + own + ") on its own stack was refused: " + e.getMessage());
            }
            if (e.getMessage() == null || e.getMessage().isBlank()) {
                fail("setupAllocators(" + other + ") was refused without a message");
            }
            return;
        }
        if (!other.equals(own)) {
            fail("setupAllocators(" + other + ") on a used " + own + " runtime was accepted");
        }
        if (!rt.stackSpec().name().equals(own)) {
            fail("setupAllocators(" + own + ") left the stack " + rt.stackSpec().name());
        }
    }

    private Block take(int pick) {
        Block b = live.remove(pick % live.size());
        byAddress.remove(b.address());
        return b;
    }

    private void realloc(Block b, long size) {
        checkContent(b);
        long q = rt.realloc(b.domain(), b.address(), size);
        if (q == 0) {
            fail("realloc(0x" + Long.toHexString(b.address()) + ", " + size + ") returned NULL");
        }
        long kept = Math.min(size, b.size());
        byte[] content = Arrays.copyOf(b.content(), (int) size);
        if (!matches(q, content, kept)) {
            fail("realloc from " + b.size() + " to " + size + " bytes did not keep the first " + kept);
        }
        byte[] grown = new byte[(int) (size - kept)];
        random.nextBytes(grown);
        System.arraycopy(grown, 0, content, (int) kept, grown.length);
        NativeMemory.copyFromArray(grown, 0, q + kept, grown.length);
        insert(new Block(q, size, b.domain(), content, tracing));
    }

    private void added(long p, long size, PyMemAllocatorDomain domain, boolean zeroed) {
        if (p == 0) {
            fail(domain + " allocation of " + size + " bytes returned NULL");
        }
        if (zeroed && !isZero(p, size)) {
            fail("calloc's block of " + size + " bytes is not zeroed");
        }
        byte[] content = new byte[(int) size];
        random.nextBytes(content);
        NativeMemory.copyFromArray(content, 0, p, content.length);
        insert(new Block(p, size, domain, content, tracing));
    }

    private void insert(Block b) {
        long alignment = stack.alignment(b.domain());
        if (b.address() % alignment != 0) {
            fail("block 0x" + Long.toHexString(b.address()) + " is not aligned to " + alignment + " bytes");
        }
        Map.Entry<Long, Block> below = byAddress.floorEntry(b.address());
        if (below != null && below.getValue().end() > b.address()) {
            fail("block 0x" + Long.toHexString(b.address()) + " of " + b.size() + " bytes overlaps the live block 0x"
                    + Long.toHexString(below.getKey()) + " of " + below.getValue().size());
        }
        Map.Entry<Long, Block> above = byAddress.ceilingEntry(b.address());
        if (above != null && b.end() > above.getKey()) {
            fail("block 0x" + Long.toHexString(b.address()) + " of " + b.size() + " bytes overlaps the live block 0x"
                    + Long.toHexString(above.getKey()) + " of " + above.getValue().size());
        }
        live.add(b);
        byAddress.put(b.address(), b);
        made.add(b.address());
    }

    private void checkAll() {
        for (Block b : live) {
            checkContent(b);
        }
        checkCounts(false);
    }

    private void checkCounts(boolean atEnd) {
        long expectedPymalloc = live.stream().filter(b -> b.domain() != PyMemAllocatorDomain.RAW).count();
        Pymalloc pm = Pymalloc.find(rt).orElse(null);
        if (pm != null) {
            // One thread, so no remote frees wait to be collected: the statistics are exact as they stand.
            long blocks = pm.stats().allocatedBlocks();
            if (blocks != expectedPymalloc) {
                fail("pymalloc counts " + blocks + " allocated blocks; " + expectedPymalloc + " MEM and OBJ blocks are live");
            }
        }
        if (stack.debugged()) {
            for (Block b : live) {
                long known = rt.usableSize(b.address());
                if (known != b.size()) {
                    fail("the debug layer knows the live " + b.domain() + " block 0x" + Long.toHexString(b.address())
                            + " of " + b.size() + " bytes as " + (known < 0 ? "no live block" : "one of " + known + " bytes"));
                }
            }
        }
        long debugLive = (atEnd ? countTableAtEnd : countTableEveryStep) ? StackUnderTest.debugLiveBlocks(rt) : -1;
        if (debugLive >= 0 && debugLive != live.size()) {
            fail("the debug layer counts " + debugLive + " live blocks; " + live.size() + " are live");
        }
        long traced = stack.tracedBytes(rt);
        long bytes = live.stream().filter(Block::traced).mapToLong(Block::size).sum();
        if (traced >= 0 && traced != bytes) {
            fail("tracemalloc traces " + traced + " bytes; the live blocks hold " + bytes);
        }
    }

    private void checkContent(Block b) {
        BLOCK_CHECKS.incrementAndGet();
        BYTES_CHECKED.addAndGet(b.size());
        if (!matches(b.address(), b.content(), b.size())) {
            long at = MemorySegment.mismatch(NativeMemory.segment(b.address(), b.size()), 0, b.size(),
                    MemorySegment.ofArray(b.content()), 0, b.size());
            fail("the " + b.domain() + " block 0x" + Long.toHexString(b.address()) + " of " + b.size()
                    + " bytes changed at byte " + at);
        }
    }

    /** Whether {@code size} bytes at {@code p} are 0, compared in bulk (a byte loop of the project is instrumented under Jazzer). */
    private static boolean isZero(long p, long size) {
        for (long at = 0; at < size; at += ZEROS.byteSize()) {
            long n = Math.min(ZEROS.byteSize(), size - at);
            if (MemorySegment.mismatch(NativeMemory.segment(p + at, n), 0, n, ZEROS, 0, n) >= 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean matches(long p, byte[] content, long length) {
        return length == 0 || MemorySegment.mismatch(NativeMemory.segment(p, length), 0, length,
                MemorySegment.ofArray(content), 0, length) < 0;
    }

    private void freeAll() {
        step++;
        op = null;
        while (!live.isEmpty()) {
            Block b = take(live.size() - 1);
            checkContent(b);
            rt.free(b.domain(), b.address());
        }
        if (stack.debugged()) {
            for (long p : made) {
                long known = rt.usableSize(p);
                if (known != UsableSize.UNKNOWN) {
                    fail("the debug layer knows 0x" + Long.toHexString(p) + " as a live block of " + known
                            + " bytes after every block was freed");
                }
            }
        }
        checkCounts(true);
    }

    /** After a failure: gives back what the model still holds, so a failed try leaks nothing. */
    private void releaseQuietly() {
        for (Block b : live) {
            try {
                rt.free(b.domain(), b.address());
            } catch (RuntimeException | Error e) {
                // The failure being reported matters; this block is lost with the runtime.
            }
        }
        live.clear();
        byAddress.clear();
    }

    private void fail(String what) {
        throw new AssertionError(stack + ", step " + step + (op == null ? " (freeing every block at the end)" : " (" + op + ")")
                + ": " + what);
    }
}
