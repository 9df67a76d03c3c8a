/**
 * The {@code tracemalloc} hook layer and Python's {@code tracemalloc} API on it.
 *
 * <h2>The layer</h2>
 * {@link io.pymem4j.tracemalloc.TracemallocHookProvider} ({@code "tracemalloc"}) is a
 * transparent hook: it wraps the top of each domain and hands its blocks out unchanged, so
 * {@link io.pymem4j.tracemalloc.Tracemalloc#start(int)} can add it to a runtime that is
 * already in use. Above the debug hooks it sees the user pointers, as CPython's does.
 * <pre>
 *   caller ──► PyMemRuntime slot (RAW | MEM | OBJ)
 *                 │
 *                 ▼
 *   TracemallocLayer(domain)
 *                 ├─► p = below.malloc(n)          debug hooks / pymalloc / libc
 *                 ├─► tracing? ──no──► return p                           (one volatile read)
 *                 │ yes
 *                 ├─► StackCapture: one StackWalker walk, first batch sized to the frames
 *                 │     needed; skip machinery frames; keep `limit` frames, most recent
 *                 │     first, each looked up in the thread's frame cache  (outside the lock)
 *                 └─► lock { intern traceback; table[domain].put(p, n, tb); current, peak }
 *
 *   Tracemalloc (one per runtime, shared by the three domains' layers)
 *     TraceTable[0..2]      RAW, MEM, OBJ: open addressing long address → (size, traceback)
 *     TreeMap&lt;domain, TraceTable&gt;   domains of track()
 *     TracebackInterner     one Traceback instance per distinct call path
 *     frame table           (Class, method, line) → Frame, one Frame per code location,
 *                           fronted by a 256-entry direct-mapped cache in each thread
 * </pre>
 *
 * <h2>Trace table</h2>
 * Each domain's {@code TraceTable} keeps two arrays: (address, size with the expected flag
 * in its sign bit) pairs side by side, so that a lookup in a table larger than the caches
 * misses once, and the traceback references: no object per trace, about 20 bytes a slot,
 * linear probing and backward-shift deletion. One lock guards every table and
 * the counters; a traced call captures its stack before taking it, and re-checks
 * {@code tracing} after taking it (gh-128679). A free removes the trace <em>before</em> the
 * block goes back below, and a realloc takes the old trace out first, so another thread that
 * receives the same address cannot have its trace removed by us.
 *
 * <h2>Capture</h2>
 * What a {@code StackWalker} walk costs is mostly the frames the JVM fetches for it (the
 * JDK builds an object per frame, plus a fixed cost per batch), whether the walk reads them
 * or not, and one call into the JVM per frame whose method or line is read (the method name
 * alone costs as much as a {@code StackTraceElement}, and no public API identifies a frame's
 * method more cheaply).
 * So a capture fetches only what it needs: the walker's first batch is sized to what the
 * thread's recent captures needed (machinery frames + limit + 1), and the walk stops there.
 * Reflection frames are shown to the walk and skipped by it, so that they count in that
 * size too. The layer's allocating methods make the walk themselves (the tracer only sets
 * the thread's buffer up), so the walk starts at the layer's frame: no frame of the tracer's
 * own comes before the caller's. A kept frame's {@code StackTraceElement} is looked up
 * by (class, method, line) in the thread's cache, then in the shared table: a hit builds no
 * string and allocates nothing beyond the JDK's own objects, and the cache keeps the frame's
 * hash, so the traceback's hash costs no string hashing. {@code clearTraces} and
 * {@code stop} empty the table and move an epoch that makes every thread drop its cache at
 * its next capture (until then an idle thread's cache holds up to 256 frames).
 *
 * <h2>Interning</h2>
 * As CPython interns filenames and whole tracebacks, every code location maps to one
 * {@link io.pymem4j.tracemalloc.Frame} and every call path to one
 * {@link io.pymem4j.tracemalloc.Traceback}, looked up by the captured frames' identities
 * without building a key; a known call path allocates nothing. A million blocks from a few
 * call sites cost the table slots and a few tracebacks. The tracer's
 * structures are plain Java objects and arrays, never allocated through a runtime, so it
 * never traces itself and needs no reentrancy guard (backends reach the RAW backend
 * directly, not through the runtime's hooked slot).
 *
 * <h2>Cost</h2>
 * The idle layer costs one volatile read and a branch per call. Tracing costs what the
 * capture costs: the stack walk dominates; with many live blocks the trace table's cache
 * misses come next, which its home slots keep few ({@code TraceTable}); interning is a small
 * part ({@code CaptureCost} in this module's tests measures a pair; {@code docs/design-notes.md}
 * in the repository has the figures).
 *
 * <h2>Sampled tracing</h2>
 * {@link io.pymem4j.tracemalloc.Tracemalloc#start(int, long)} (or the option
 * {@code tracemalloc.sample}) traces a sample of the blocks, so that tracing can stay on in
 * production:
 * <pre>
 *   malloc(n) ──► p = below.malloc(n)
 *                 tracing? ─no─► return p                       (one volatile read)
 *                 sampled? ─no─► exact tracing, as above
 *                 this thread's countdown -= max(n, 1)          (ByteSampler, a field)
 *                 countdown &gt; 0 ──► return p                    not sampled: done
 *                 else: countdown = new exponential draw (mean R); capture, trace
 *                       p as above, and count p in SampledAddresses
 *
 *   free(p) ────► SampledAddresses[(p &gt;&gt;&gt; 4) mod 2^16] == 0 ──► below.free(p)
 *                 else: the locked lookup and removal of the exact mode
 * </pre>
 * <b>Which blocks.</b> Each thread counts its allocated bytes down to its next sample
 * point, drawn from an exponential distribution of mean {@code R} (see
 * {@code ByteSampler}): a block of {@code Z} bytes is sampled with
 * probability {@code p = 1 - e^(-Z/R)}, independently of the others, one random draw per
 * sample. A thread finds its countdown through a 256-slot table indexed by its thread id,
 * not a {@code ThreadLocal} (see {@code ThreadSamplers}).
 *
 * <p><b>Estimates.</b> A sampled block stands for {@code Z/p} bytes and {@code 1/p} blocks,
 * applied per block before any sum (the traced-memory counters, snapshot statistics,
 * comparisons, flame graphs, the MXBean figures), which makes every sum unbiased; the
 * standard error and the 95% interval are in {@link io.pymem4j.tracemalloc.TracedEstimate}.
 *
 * <p><b>Cheap frees.</b> A free must tell whether its block was sampled, and nearly none
 * were. tcmalloc tags its sampled blocks in its page map; this layer is transparent and
 * can be added to a runtime with live blocks, so it cannot put a header or a tag on them.
 * It keeps a counting filter instead,
 * {@code SampledAddresses}: 65536 byte counters over the addresses,
 * 16 bytes apart, incremented and decremented with the traces under the lock. A counter
 * of 0 is an exact "not sampled", read with one plain byte load, no lock and no hash-map
 * lookup; a free that finds its counter above 0 takes the exact mode's locked path, which
 * finds the trace or not. With {@code L} sampled blocks live, at most about
 * {@code L / 65536} of the frees of unsampled blocks take that path. A realloc does both: the
 * countdown for the new size, the filter for the old block, and goes straight below when
 * neither says otherwise.
 *
 * <h2>JFR events</h2>
 * While tracing is sampled, each sampled allocation can be a JFR event
 * {@code io.pymem4j.NativeAllocation} (address, size, estimated weight in bytes, sampling
 * interval, domain, and the Java stack JFR records) and each free of a sampled block an
 * {@code io.pymem4j.NativeFree} (address, domain), so {@code jfr print}, {@code jfr view} and
 * JDK Mission Control show native allocations by Java stack, and the allocations without a
 * free are the sampled blocks still live. Both are off unless a recording enables them
 * ({@code -XX:StartFlightRecording:+io.pymem4j.NativeAllocation#enabled=true,...}); the
 * allocation event is throttled to 300 a second by default ({@code #throttle}). An event
 * costs nothing on the allocations that are not sampled, and one
 * {@code shouldCommit()} test on those that are while no recording wants it.
 *
 * <h2>Flame graphs</h2>
 * {@link io.pymem4j.tracemalloc.FlameGraph} draws a snapshot's bytes by traceback, or the
 * change between two snapshots, as an interactive flame graph in one self-contained HTML
 * file ({@link io.pymem4j.tracemalloc.Snapshot#writeFlameGraph}).
 *
 * <h2>The Python API</h2>
 * {@link io.pymem4j.tracemalloc.Tracemalloc} has the module's functions,
 * {@link io.pymem4j.tracemalloc.Snapshot} statistics, comparisons, filters and two file
 * formats ({@link io.pymem4j.tracemalloc.SnapshotFormat}): a versioned one of its own and
 * CPython's pickle, so that a snapshot taken in Java opens in Python's
 * {@code tracemalloc.Snapshot.load()} and a Python one loads here. Python's format has no
 * sampling weight: a snapshot of sampled tracing is written with each trace's estimated
 * size. The value classes print as Python's {@code str} and offer {@code repr()}.
 * Differences from CPython: trace domains 0, 1, 2 are RAW, MEM, OBJ (CPython files all under
 * 0); frames name Java source paths; no {@code .pyc} rule; {@code total_nframe} is exact
 * only when {@link io.pymem4j.tracemalloc.Tracemalloc#countAllFrames(boolean)} is on or the
 * stack was shorter than the limit; blocks can be marked expected.
 *
 * <h2>Management figures</h2>
 * {@link io.pymem4j.tracemalloc.TracemallocStatistics} puts the layer's figures in the
 * {@code Statistics} attribute of a runtime registered with
 * {@link io.pymem4j.runtime.PyMemManagement#register} whose stack has the layer (all 0 while it
 * does not trace):
 * <table>
 *   <caption>The tracemalloc section of the runtime MXBean</caption>
 *   <tr><th>key</th><th>{@code Tracemalloc}</th></tr>
 *   <tr><td>{@code tracemalloc.tracing}</td><td>{@code is_tracing()}: 1 or 0</td></tr>
 *   <tr><td>{@code tracemalloc.tracebackLimit}</td><td>{@code get_traceback_limit()}</td></tr>
 *   <tr><td>{@code tracemalloc.samplingInterval}</td><td>the mean sampling interval in bytes:
 *       0 when tracing every block; above 0, the figures below are estimates</td></tr>
 *   <tr><td>{@code tracemalloc.current}, {@code tracemalloc.peak}</td>
 *       <td>{@code get_traced_memory()}, over all domains</td></tr>
 *   <tr><td>{@code tracemalloc.memory}</td><td>{@code get_tracemalloc_memory()}</td></tr>
 *   <tr><td>{@code tracemalloc.<RAW|MEM|OBJ>.current}, {@code .blocks}</td>
 *       <td>the domain's traced bytes and blocks now, summed from a snapshot (tracemalloc
 *       keeps one peak for all domains, so none per domain)</td></tr>
 * </table>
 */
package io.pymem4j.tracemalloc;
