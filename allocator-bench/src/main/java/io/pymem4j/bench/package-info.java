/**
 * The benchmarks of the pymem4j stacks against the Java peers and the C allocators: the trace
 * replays (through {@code io.pymem4j.replay}, one JVM per target) and the JMH suites.
 *
 * <p>The {@code .pymt} format, its reader and writer and the replay engine are in
 * {@link io.pymem4j.replay} (module pymem-replay), which {@code pymem replay} runs without this
 * module on its class path.
 *
 * <h2>Benchmarks: every stack against every peer and the C allocators</h2>
 * {@code pymem bench} runs all of it in one {@link io.pymem4j.bench.BenchSession}, into a results folder
 * ({@code results.md}, {@code replay.png}, {@code jmh-pair.png}, {@code replay.json},
 * JMH's {@code jmh.json} and {@code jmh.log}). Three kinds of target:
 * <ul>
 *   <li><b>Stacks</b>, {@link io.pymem4j.bench.BenchStack} labels: a stack name and runtime
 *       options after colons. Default: {@code malloc}, {@code pymalloc}, {@code pymalloc:gil},
 *       {@code pymalloc_debug}, {@code pymalloc:tracemalloc=1}, {@code pymalloc:tracemalloc=10}.</li>
 *   <li><b>Java peers</b>, {@link io.pymem4j.bench.Peer}: libc, jemalloc and mimalloc through
 *       FFM, {@code sun.misc.Unsafe}, LWJGL's system, jemalloc and rpmalloc allocators,
 *       Netty's pooled direct buffers, JDK confined and shared arenas. Those with a
 *       malloc/realloc/free API on addresses are {@code PyMemAllocatorEx} adapters and replay
 *       the traces; Netty and the arenas free by object and run in JMH only. A peer whose
 *       library is missing is skipped with the reason. Bench-only dependencies.</li>
 *   <li><b>The C anchors</b>, {@link io.pymem4j.bench.CReplayer}: {@code replay bench -b
 *       glibc,pymalloc,jemalloc,mimalloc --malloc-stats} of {@code ../shared/tools/pymtrace},
 *       built into the temp directory when it is not built. {@code C pymalloc} is CPython
 *       3.11's own obmalloc, the baseline of every ratio. The pair's C anchors are a
 *       program of their own, {@code src/main/c/pair.c}, run by hand: the 64-byte pair
 *       through libpython3.11's obmalloc, glibc, and obmalloc under CPython's own debug
 *       hooks, in one process.</li>
 * </ul>
 * <pre>
 *   pymem bench (BenchSession)
 *     ├─ per trace: C replayer (one child per C backend)
 *     │             ReplayWorker JVM per stack, then per size-only peer   (ReplayBench)
 *     └─ JMH host JVM (JmhSuite, with jemalloc's glibc tunable in its environment)
 *           └─ one JMH fork per benchmark and parameter set
 * </pre>
 * Every replay target gets a JVM of its own, as each C backend gets a child of its own: no
 * target inherits another's JIT profile, heap or RSS. With {@code --replay-forks N} each
 * target gets N such processes, the targets taking turns, and its figure is the median of
 * their medians ({@link io.pymem4j.bench.ReplayFigures#ofForks}): how C2 compiles the event
 * loop differs from one JVM to the next, enough to move a trace's ratio by about 0.1 on the
 * project's VM, and one JVM alone cannot show which way it fell. Memory is reported with time: peak
 * RSS and its growth over the runs, and for pymalloc stacks the arena bytes at their peak
 * ({@code PymallocStats.arenaBytesPeak()}) and at the end of the last run, next to the C
 * obmalloc's ({@code _PyObject_DebugMallocStats}; its figure includes the embedded
 * interpreter's own objects).
 *
 * <h2>The JMH suites</h2>
 * Average time per operation, ns. Stacks are the {@code stack} parameter of each suite's
 * {@code stack} method ({@link io.pymem4j.bench.StackState}, OBJ domain); each peer is a
 * method of its own ({@code ffmGlibc}, {@code nettyPooled}, ...). Every new block is touched
 * as in the replay. Inputs are precomputed ({@link io.pymem4j.bench.Workloads}): the measured
 * loops index arrays and allocate nothing.
 * <ul>
 *   <li>{@link io.pymem4j.bench.PairBenchmark}: malloc, touch, free of one block, sizes 16,
 *       64, 256, 512 and 4096: the LIFO hot path, with one more block of the size kept live
 *       so that the pool never empties, as {@code pair.c} keeps one.</li>
 *   <li>{@link io.pymem4j.bench.MixedBenchmark}: a live set of 4096 blocks; each operation
 *       frees a pseudo-random slot and refills it with the next size drawn from the bundled
 *       compile trace's requests.</li>
 *   <li>{@link io.pymem4j.bench.ReallocBenchmark}: a block grown as a CPython list grows,
 *       32 to 4160 bytes, per call.</li>
 *   <li>{@link io.pymem4j.bench.TwoThreadBenchmark}: two threads on one allocator, 64-byte
 *       blocks; {@code Local} frees its own, {@code Cross} hands half its blocks to the
 *       other thread in batches of 16 through a lock-free SPSC ring
 *       ({@link io.pymem4j.bench.SpscLongRing}), {@code Solo} does {@code Cross}'s work on
 *       one thread; the report states two threads' work against one thread's.</li>
 * </ul>
 * GIL-mode stacks hold the interpreter lock for a whole iteration in the one-thread suites
 * and take it around each call in the two-thread one.
 *
 * <h2>Commands</h2>
 * <pre>
 *   bin/pymem bench                                  # everything: 3 traces, 6 stacks, 10 peers, C anchors, JMH short
 *   bin/pymem bench --no-jmh --runs 5                # the trace replays only
 *   bin/pymem bench --traces none --jmh-suites pair  # one JMH suite only
 *   bin/pymem bench --long                           # JMH long settings, for figures to publish
 *   bin/pymem bench --replay-forks 3 --jmh-sizes 64 --jmh-forks 3   # steadier replays, the 64-byte suites in 3 forks
 *   bin/pymem bench --stacks pymalloc,pymalloc:gil --peers ffm-glibc,ffm-mimalloc --out DIR
 * </pre>
 * Short JMH settings (the default): 1 fork, 3 warm-up and 3 measured iterations of 200 ms,
 * a few minutes for everything, coarse. Long ({@code --long}): 3 forks, 5 + 5 iterations of
 * 1 s, about ten times as long. The machine should be otherwise idle: a benchmark measures
 * whatever else runs. Compare ratios from one run, never times across machines.
 */
package io.pymem4j.bench;
