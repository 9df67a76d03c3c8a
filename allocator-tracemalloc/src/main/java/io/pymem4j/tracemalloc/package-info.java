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
 * size too. The layer calls the tracer directly, so only four machinery frames
 * ({@code StackCapture.capture}, {@code TraceStore.addTrace}, the layer's method, the
 * runtime's) come before the caller's. A kept frame's {@code StackTraceElement} is looked up
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
 * capture costs: the stack walk dominates, and the table and interning are a small part of
 * it ({@code CaptureCost} in this module's tests measures a pair; {@code docs/design-notes.md}
 * in the repository has the figures).
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
 *   <tr><td>{@code tracemalloc.current}, {@code tracemalloc.peak}</td>
 *       <td>{@code get_traced_memory()}, over all domains</td></tr>
 *   <tr><td>{@code tracemalloc.memory}</td><td>{@code get_tracemalloc_memory()}</td></tr>
 *   <tr><td>{@code tracemalloc.<RAW|MEM|OBJ>.current}, {@code .blocks}</td>
 *       <td>the domain's traced bytes and blocks now, summed from a snapshot (tracemalloc
 *       keeps one peak for all domains, so none per domain)</td></tr>
 * </table>
 */
package io.pymem4j.tracemalloc;
