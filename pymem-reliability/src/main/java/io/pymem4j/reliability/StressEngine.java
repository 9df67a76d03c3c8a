package io.pymem4j.reliability;

import io.pymem4j.api.InterpreterLock;
import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.debug.DebugHook;
import io.pymem4j.pymalloc.Pymalloc;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.spi.BlockTracebacks;
import io.pymem4j.tracemalloc.Tracemalloc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;

/**
 * A concurrent stress test of one runtime's stack, in the shape of mimalloc's
 * {@code test-stress}: rounds of worker threads that allocate blocks of random sizes in random
 * domains, fill each with a {@linkplain Stamp pattern}, and swap a share of them through a
 * shared transfer array, so that most blocks are freed by a thread that did not allocate them.
 *
 * <pre>
 *   round r:  worker 0   worker 1   ...   worker T-1        (new threads every round)
 *               | live[]     | live[]          | live[]      up to liveBlocks each
 *               |   \        |   /             |
 *               v    v       v  v              v
 *   transfer:  [ b | b | . | b | ... ]   swap: put one of mine, adopt what was there
 *              (kept across rounds, so blocks of ended threads are freed by new ones)
 * </pre>
 * Each operation, chosen at random: allocate (malloc, calloc checked zeroed, or realloc of
 * NULL); realloc a held block (its kept bytes checked, then stamped anew); swap a held block
 * into a random transfer slot and adopt the one found there (checked); free a held block
 * (checked). At the end of its round a worker frees what it holds; after the last round the
 * transfer array is emptied, and the stack's own counts (pymalloc's blocks, the debug layer's
 * live blocks, tracemalloc's traced bytes, whichever the stack has) must be back where they
 * were before the run.
 *
 * <p>Every block is checked whole before it is freed or reallocated, and no address may be
 * handed out while it is live: a set of live addresses sees each one in and out. In GIL mode
 * the MEM and OBJ calls are made holding the runtime's interpreter lock, as CPython's threads
 * hold the GIL; the checks run outside it.
 *
 * <p>Requests are bounded (at most 256 KiB, a small share above 8 KiB), so a NULL is a
 * failure. The first failure stops every worker and is thrown as a {@link StressFailure}.
 *
 * <p>A timed run ({@link StressConfig#millis()}) ends at its deadline: every worker looks at the
 * clock every {@value #DEADLINE_CHECK_OPS} operations and, once the deadline has passed, stops
 * and frees what it holds, so a round in progress is cut short however many threads it has. A
 * round that outlasts {@link #PROGRESS_EVERY_NANOS} reports its progress to the caller's
 * listener at that interval.
 *
 * @since 0.1
 */
public final class StressEngine {

    private static final Logger log = LoggerFactory.getLogger(StressEngine.class);
    private static final PyMemAllocatorDomain[] DOMAINS = PyMemAllocatorDomain.values();
    /** Operations a worker makes between two looks at the clock: well under a millisecond of work. */
    static final int DEADLINE_CHECK_OPS = 64;
    /** How often a long round reports its progress. */
    static final long PROGRESS_EVERY_NANOS = 5_000_000_000L;

    private final PyMemRuntime runtime;
    private final StressConfig config;
    private final PyMemAllocatorEx[] allocators = new PyMemAllocatorEx[DOMAINS.length];
    private final InterpreterLock gil;
    private final AtomicReferenceArray<Block> transfer;
    private final Set<Long> live = ConcurrentHashMap.newKeySet();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Consumer<String> progress;
    private final long progressEveryNanos;
    /** The run's deadline in {@link System#nanoTime()}; {@code Long.MAX_VALUE} for a run of rounds. */
    private long deadline = Long.MAX_VALUE;
    private long start;

    /** One live block: where, how big, which domain, its pattern, and the thread that got the address. */
    private record Block(long address, long size, PyMemAllocatorDomain domain, long stamp, long thread) {
    }

    private StressEngine(PyMemRuntime runtime, StressConfig config, Consumer<String> progress,
                         long progressEveryNanos) {
        this.runtime = runtime;
        this.config = config;
        this.progress = Objects.requireNonNull(progress, "progress");
        this.progressEveryNanos = progressEveryNanos;
        for (PyMemAllocatorDomain d : DOMAINS) {
            allocators[d.ordinal()] = runtime.getAllocator(d);
        }
        this.gil = runtime.interpreterLock();
        this.transfer = new AtomicReferenceArray<>(config.transferSlots());
    }

    /**
     * Runs {@code config} against {@code runtime}; returns the figures when every check held.
     *
     * @throws StressFailure at the first check that did not hold, or when blocks are left over
     */
    public static StressResult run(PyMemRuntime runtime, StressConfig config) {
        return run(runtime, config, line -> log.info("{}", line));
    }

    /**
     * Runs {@code config} against {@code runtime}, handing a line of progress to {@code progress}
     * every {@link #PROGRESS_EVERY_NANOS} nanoseconds of a round (from the thread that runs the
     * rounds); returns the figures when every check held.
     *
     * @throws StressFailure at the first check that did not hold, or when blocks are left over
     */
    public static StressResult run(PyMemRuntime runtime, StressConfig config, Consumer<String> progress) {
        return run(runtime, config, progress, PROGRESS_EVERY_NANOS);
    }

    /** As {@link #run(PyMemRuntime, StressConfig, Consumer)}, with the progress interval given (for tests). */
    static StressResult run(PyMemRuntime runtime, StressConfig config, Consumer<String> progress,
                            long progressEveryNanos) {
        return new StressEngine(runtime, config, progress, progressEveryNanos).run();
    }

    private StressResult run() {
        Counts before = counts();
        Totals totals = new Totals();
        start = System.nanoTime();
        deadline = config.millis() == 0 ? Long.MAX_VALUE : start + config.millis() * 1_000_000;
        long round = 0;
        while ((config.rounds() == 0 || round < config.rounds()) && (round == 0 || System.nanoTime() < deadline)) {
            runRound(round, totals);
            round++;
            rethrow();
        }
        Worker drain = new Worker(round, -1);
        try {
            drain.drainTransfers();
        } catch (RuntimeException | Error e) {
            fail(e);
        }
        totals.add(drain);
        rethrow();
        long nanos = System.nanoTime() - start;
        if (!live.isEmpty()) {
            throw new StressFailure(live.size() + " blocks are still recorded live after every one was freed");
        }
        String leaks = before.leaksIn(counts());
        StressResult result = new StressResult(runtime.currentAllocatorName(), config.threads(), round, nanos,
                totals.allocations, totals.callocs, totals.reallocs, totals.frees, totals.blocksChecked,
                totals.bytesChecked, totals.transfers, totals.crossThreadFrees, leaks);
        log.debug("stress run done: {}", result);
        return result;
    }

    private void runRound(long round, Totals totals) {
        List<Worker> workers = new ArrayList<>(config.threads());
        List<Thread> threads = new ArrayList<>(config.threads());
        for (int t = 0; t < config.threads(); t++) {
            Worker w = new Worker(round, t);
            workers.add(w);
            threads.add(Thread.ofPlatform().name("pymem-stress-" + round + "-" + t).unstarted(() -> {
                try {
                    w.work();
                } catch (RuntimeException | Error e) {
                    fail(e);
                }
            }));
        }
        int started = 0;
        // Starting thousands of threads on a busy machine takes a while: none start after the deadline.
        while (started < threads.size() && !pastDeadline()) {
            threads.get(started++).start();
        }
        List<Thread> running = threads.subList(0, started);
        long nextReport = System.nanoTime() + progressEveryNanos;
        for (Thread t : running) {
            boolean interrupted = false;
            while (true) {
                try {
                    long wait = nextReport - System.nanoTime();
                    if (wait <= 0) {
                        reportProgress(round, running);
                        nextReport = System.nanoTime() + progressEveryNanos;
                        continue;
                    }
                    if (t.join(Duration.ofNanos(wait))) {
                        break;
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                    failure.compareAndSet(null, new StressFailure("interrupted"));
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        workers.forEach(totals::add);
        log.debug("stress round {} done", round);
    }

    private void reportProgress(long round, List<Thread> threads) {
        long running = threads.stream().filter(Thread::isAlive).count();
        long elapsed = (System.nanoTime() - start) / 1_000_000_000L;
        String limit = deadline == Long.MAX_VALUE ? "" : " of " + config.millis() / 1000 + " s";
        progress.accept("round " + round + ": " + running + " of " + threads.size() + " threads still running after "
                + elapsed + " s" + limit);
    }

    /** Whether the run's time is up; read by the workers every {@link #DEADLINE_CHECK_OPS} operations. */
    private boolean pastDeadline() {
        return deadline != Long.MAX_VALUE && System.nanoTime() - deadline >= 0;
    }

    private void fail(Throwable t) {
        failure.compareAndSet(null, t);
    }

    private void rethrow() {
        Throwable t = failure.get();
        if (t instanceof StressFailure f) {
            throw f;
        }
        if (t != null) {
            throw new StressFailure("a worker failed: " + t, t);
        }
    }

    // ---------------------------------------------------------------- the stack's own counts

    /** The counts the stack keeps of its live blocks; -1 where it has no such layer. */
    private record Counts(long pymallocBlocks, long debugLiveBlocks, long tracedBytes) {
        String leaksIn(Counts after) {
            List<String> leaks = new ArrayList<>();
            if (after.pymallocBlocks != pymallocBlocks) {
                leaks.add("pymalloc holds " + after.pymallocBlocks + " blocks, " + pymallocBlocks + " before the run");
            }
            if (after.debugLiveBlocks != debugLiveBlocks) {
                leaks.add("the debug layer has " + after.debugLiveBlocks + " live blocks, " + debugLiveBlocks
                        + " before the run");
            }
            if (after.tracedBytes != tracedBytes) {
                leaks.add("tracemalloc traces " + after.tracedBytes + " bytes, " + tracedBytes + " before the run");
            }
            return String.join("; ", leaks);
        }
    }

    private Counts counts() {
        long blocks = -1;
        Optional<Pymalloc> pymalloc = Pymalloc.find(runtime);
        if (pymalloc.isPresent()) {
            if (gil != null) {
                gil.acquire();
            }
            try {
                // Remote frees wait in their owner's heap until collected; the workers have ended.
                pymalloc.get().collect();
                blocks = pymalloc.get().stats().allocatedBlocks();
            } finally {
                if (gil != null) {
                    gil.release();
                }
            }
        }
        long debugLive = DebugHook.of(runtime).map(h -> (long) h.liveBlocks()).orElse(-1L);
        boolean tracing = runtime.findHook(BlockTracebacks.class).map(BlockTracebacks::tracing).orElse(false);
        long traced = tracing ? Tracemalloc.of(runtime).getTracedMemory().current() : -1;
        return new Counts(blocks, debugLive, traced);
    }

    // ---------------------------------------------------------------- workers

    /** Figures summed over the workers once they have ended. */
    private static final class Totals {
        long allocations;
        long callocs;
        long reallocs;
        long frees;
        long blocksChecked;
        long bytesChecked;
        long transfers;
        long crossThreadFrees;

        void add(Worker w) {
            allocations += w.allocations;
            callocs += w.callocs;
            reallocs += w.reallocs;
            frees += w.frees;
            blocksChecked += w.blocksChecked;
            bytesChecked += w.bytesChecked;
            transfers += w.transfers;
            crossThreadFrees += w.crossThreadFrees;
        }
    }

    /** One thread's work in one round; its fields are read only after the thread has ended. */
    private final class Worker {
        private final SplittableRandom random;
        private final Block[] held = new Block[config.liveBlocks()];
        private int nheld;
        private long thread;

        long allocations;
        long callocs;
        long reallocs;
        long frees;
        long blocksChecked;
        long bytesChecked;
        long transfers;
        long crossThreadFrees;

        Worker(long round, int index) {
            this.random = new SplittableRandom(Stamp.mix(config.seed() ^ Stamp.mix(round * 1_000_003L + index)));
        }

        void work() {
            thread = Thread.currentThread().threadId();
            for (int i = 0; i < config.opsPerThread() && failure.get() == null; i++) {
                if (i % DEADLINE_CHECK_OPS == 0 && pastDeadline()) {
                    break;
                }
                step();
            }
            while (nheld > 0) {
                free(take(nheld - 1));
            }
        }

        /** After the last round: frees whatever the transfer array still holds. */
        void drainTransfers() {
            thread = Thread.currentThread().threadId();
            for (int i = 0; i < transfer.length(); i++) {
                Block b = transfer.getAndSet(i, null);
                if (b != null) {
                    verify(b, "left in the transfer array");
                    free(b);
                }
            }
        }

        private void step() {
            int r = random.nextInt(100);
            if (nheld == 0 || (r < 40 && nheld < held.length)) {
                allocate();
            } else if (r < 50) {
                reallocate(random.nextInt(nheld));
            } else if (r < 70) {
                swap(random.nextInt(nheld));
            } else {
                free(take(random.nextInt(nheld)));
            }
        }

        /** Sizes as a program's: mostly small objects, some buffers, a few large blocks. */
        private long size() {
            int r = random.nextInt(100);
            if (r < 1) {
                return 0;
            } else if (r < 75) {
                return random.nextInt(1, 129);
            } else if (r < 93) {
                return random.nextInt(129, 513);
            } else if (r < 99) {
                return random.nextInt(513, 8193);
            }
            return random.nextInt(8193, 256 * 1024 + 1);
        }

        private PyMemAllocatorDomain domain() {
            int r = random.nextInt(10);
            return r < 2 ? PyMemAllocatorDomain.RAW : r < 6 ? PyMemAllocatorDomain.MEM : PyMemAllocatorDomain.OBJ;
        }

        private void allocate() {
            PyMemAllocatorDomain d = domain();
            long size = size();
            int how = random.nextInt(20);
            long p;
            String call;
            boolean zeroed = false;
            if (how < 3 && size > 0) {
                long elsize = (size & 7) == 0 ? 8 : 1;
                p = callLocked(d, 1, size / elsize, elsize);
                call = "calloc(" + size / elsize + ", " + elsize + ")";
                zeroed = true;
                callocs++;
            } else if (how < 5) {
                p = callLocked(d, 2, 0, size);
                call = "realloc(NULL, " + size + ")";
            } else {
                p = callLocked(d, 0, size, 0);
                call = "malloc(" + size + ")";
            }
            if (p == 0) {
                throw new StressFailure(d + " " + call + " returned NULL");
            }
            if (zeroed) {
                long bad = NativeMemory.findNot(p, size, (byte) 0);
                if (bad >= 0) {
                    throw new StressFailure(d + " " + call + " returned 0x" + Long.toHexString(p)
                            + " with byte " + bad + " not zero");
                }
                blocksChecked++;
                bytesChecked += size;
            }
            adopt(p, size, d, thread, call);
            allocations++;
        }

        /** Records a block the allocator just handed out: it must not be live already. */
        private void adopt(long p, long size, PyMemAllocatorDomain d, long origin, String call) {
            if (!live.add(p)) {
                throw new StressFailure(d + " " + call + " returned 0x" + Long.toHexString(p)
                        + ", which is a live block");
            }
            long stamp = random.nextLong();
            Stamp.write(p, size, stamp);
            held[nheld++] = new Block(p, size, d, stamp, origin);
        }

        private Block take(int i) {
            Block b = held[i];
            held[i] = held[--nheld];
            held[nheld] = null;
            return b;
        }

        private void reallocate(int i) {
            Block b = take(i);
            verify(b, "before a realloc");
            long size = size();
            // Out of the live set first: once realloc has freed the old address, any thread may get it.
            live.remove(b.address());
            long q = callLocked(b.domain(), 3, b.address(), size);
            if (q == 0) {
                throw new StressFailure(b.domain() + " realloc(0x" + Long.toHexString(b.address()) + ", " + size
                        + ") returned NULL");
            }
            long kept = Math.min(size, b.size());
            long bad = Stamp.check(q, kept, b.stamp());
            if (bad >= 0) {
                throw new StressFailure(describe(b) + " lost byte " + bad + " of the " + kept + " a realloc to " + size
                        + " bytes keeps (now at 0x" + Long.toHexString(q) + ")");
            }
            blocksChecked++;
            bytesChecked += kept;
            reallocs++;
            allocations++;
            adopt(q, size, b.domain(), q == b.address() ? b.thread() : thread, "realloc");
        }

        private void swap(int i) {
            Block mine = held[i];
            Block theirs = transfer.getAndSet(random.nextInt(transfer.length()), mine);
            transfers++;
            if (theirs == null) {
                take(i);
            } else {
                verify(theirs, "when it was taken from the transfer array");
                held[i] = theirs;
            }
        }

        private void free(Block b) {
            verify(b, "before its free");
            live.remove(b.address());
            callLocked(b.domain(), 4, b.address(), 0);
            frees++;
            if (b.thread() != thread) {
                crossThreadFrees++;
            }
        }

        private void verify(Block b, String when) {
            long bad = Stamp.check(b.address(), b.size(), b.stamp());
            if (bad >= 0) {
                throw new StressFailure(describe(b) + " was overwritten " + when + ": byte " + bad + " is 0x"
                        + Integer.toHexString(NativeMemory.getByte(b.address() + bad) & 0xFF) + ", expected 0x"
                        + Integer.toHexString(Stamp.expected(b.stamp(), bad) & 0xFF));
            }
            blocksChecked++;
            bytesChecked += b.size();
        }

        private String describe(Block b) {
            return "the " + b.domain() + " block 0x" + Long.toHexString(b.address()) + " of " + b.size()
                    + " bytes (got by thread " + b.thread() + ", checked by thread " + thread + ")";
        }

        /**
         * One allocator call, made holding the interpreter lock for MEM and OBJ in GIL mode.
         * {@code op}: 0 malloc(a), 1 calloc(a, b), 2 realloc(0, b), 3 realloc(a, b), 4 free(a).
         */
        private long callLocked(PyMemAllocatorDomain d, int op, long a, long b) {
            PyMemAllocatorEx allocator = allocators[d.ordinal()];
            boolean lock = gil != null && d != PyMemAllocatorDomain.RAW;
            if (lock) {
                gil.acquire();
            }
            try {
                return switch (op) {
                    case 0 -> allocator.malloc(a);
                    case 1 -> allocator.calloc(a, b);
                    case 2 -> allocator.realloc(0, b);
                    case 3 -> allocator.realloc(a, b);
                    default -> {
                        allocator.free(a);
                        yield 0;
                    }
                };
            } finally {
                if (lock) {
                    gil.release();
                }
            }
        }
    }
}
