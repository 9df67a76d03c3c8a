/**
 * Fault injection: the hook layer {@code failing}, CPython's {@code _testcapi.set_nomemory}
 * as a stackable layer, so that every stack's handling of a NULL can be tested on purpose.
 *
 * <pre>
 *   PyMem_Malloc(n) --&gt; [ failing ] --n in plan?--yes--&gt; return 0 (NULL)
 *                           |
 *                           no --&gt; [ layer below: debug, tracemalloc, pymalloc, malloc ... ]
 *
 *   call numbers:  0  1  2  3  4  5  6  7 ...      (malloc, calloc and realloc of the counted
 *   plan [3, 6):            x  x  x                 domains, in arrival order; free is never
 *   plan p=0.25, seed s:  x        x        x       counted and never fails)
 * </pre>
 *
 * <ul>
 *   <li>{@link io.pymem4j.failing.FailurePlan}: which calls fail: a window of call numbers
 *       (CPython's {@code start} and {@code stop}), a probability with a seed, and the
 *       domains counted. Read from the runtime options {@code failing.start},
 *       {@code failing.stop}, {@code failing.probability}, {@code failing.seed},
 *       {@code failing.domains}.</li>
 *   <li>{@link io.pymem4j.failing.FailingHook}: the plan in force and the counters, one per
 *       runtime; {@code FailingHook.of(runtime)} changes the plan while the runtime runs.</li>
 *   <li>{@link io.pymem4j.failing.FailingAllocator}: the layer in one domain.</li>
 * </ul>
 * Where the layer sits decides what a failure exercises: on top ({@code pymalloc+debug+failing},
 * where {@code set_nomemory} puts its hooks) the caller sees the NULL; under another layer
 * ({@code pymalloc+failing+debug}) that layer's own failure path runs, which must return
 * NULL too and keep no record of the block it did not get.
 *
 * <p>Thread-safe: a call costs one volatile read and, in a counted domain, one atomic
 * increment; it allocates nothing.
 */
package io.pymem4j.failing;
