/**
 * The {@code .pymt} allocation traces of real CPython processes: reading, validating and writing
 * them, and replaying them through a pymem4j stack ({@code pymem replay}).
 *
 * <h2>The {@code .pymt} format (version 1)</h2>
 * A trace is every successful call a CPython 3.11 process made to its RAW, MEM and OBJ
 * allocators, in order, with addresses replaced by small dense block ids (id 0 is NULL; an id
 * is reused once its block is freed). The file is gzip; inside it:
 * <pre>
 *   "PYMT"  version=1  event_count  max_id  peak_live_blocks  peak_live_bytes   (uvarints)
 *   event_count x ( tag  fields... )
 *
 *   tag: bits 0-1 domain (0 RAW, 1 MEM, 2 OBJ; 3 reserved), bits 2-3 op, bits 4-7 zero
 *   malloc  id, size              calloc  id, nelem, elsize
 *   realloc old_id, new_id, size  free    id
 * </pre>
 * A uvarint is unsigned LEB128, at most 10 bytes. The rules a valid trace keeps, all checked
 * by {@link io.pymem4j.replay.TraceCursor}: every id is defined (by malloc, calloc or realloc)
 * before it is freed or reallocated, and not again while live; ids are dense: a define names
 * at most 4096 + twice the number of defines before it; a block is freed or
 * reallocated in the domain that allocated it; the header's {@code max_id} and peaks are
 * exactly what the events give; nothing follows the last event. Blocks still live after the
 * last event were not freed by the process while it was recorded.
 *
 * <h2>Reading and writing</h2>
 * {@link io.pymem4j.replay.TraceCursor} streams events without allocating per event;
 * {@link io.pymem4j.replay.TraceFile} decodes a whole trace into a {@code long[]} of two words
 * per event (the layout is in its doc) for replay; {@link io.pymem4j.replay.TraceWriter}
 * encodes events, for tests and generated traces. A broken stream is a
 * {@link io.pymem4j.replay.TraceFormatException} naming the event. The compile trace of
 * {@code shared/traces/TRACES.md} is bundled ({@link io.pymem4j.replay.TraceFile#bundled()}).
 *
 * <h2>Replay (the method of the C replayer's {@code bench})</h2>
 * {@link io.pymem4j.replay.ReplayEngine} decodes first (untimed), then runs the events in
 * order against a runtime's three domains, with an id-to-address {@code long[max_id + 1]}
 * table. Each new block is touched: an 8-byte store of its address at its start, 1 byte for
 * blocks under 8 bytes, nothing for 0-byte ones (sizes go to the allocator as recorded: the
 * contract makes 0 a valid request). Warm-up runs first, untimed, for the JIT; then timed
 * runs, of which only the event loop is timed with {@link java.lang.System#nanoTime()}. Each
 * event calls its allocator through a small dispatch method that the JIT compiles on its own
 * (the launchers pass {@link io.pymem4j.replay.ReplayEngine#JVM_OPTIONS}), one call an event
 * as the C replayer makes. The
 * blocks still live after each run are freed outside the timer. Before the timed runs the
 * RSS high-water mark is reset ({@code /proc/self/clear_refs}), and read
 * ({@code VmHWM}) after them; before the reset the engine waits for RSS to hold still,
 * since G1 gives heap pages back concurrently after a {@code System.gc()}.
 */
package io.pymem4j.replay;
