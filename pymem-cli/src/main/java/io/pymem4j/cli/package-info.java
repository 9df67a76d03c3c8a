/**
 * The {@code pymem} command ({@code bin/pymem}):
 * <ul>
 *   <li>{@code list}: every allocator stack name and provider this class path can set up;</li>
 *   <li>{@code replay}: a {@code .pymt} allocation trace through a stack, with its speed and
 *       memory ({@code --stats} for {@code _debugmallocstats}, {@code --tracemalloc N --top K}
 *       and {@code --flamegraph} for tracing; the engine is pymem-replay's);</li>
 *   <li>{@code demo}: one memory fault on purpose, reported by the debug layer as a user's
 *       program would see it;</li>
 *   <li>{@code bench}: every stack, peer and C anchor side by side, into a results folder
 *       (the session is allocator-bench's {@code BenchSession}, on the class path for
 *       {@code bench} only);</li>
 *   <li>{@code stress}: a soak from several threads (the engine is pymem-reliability's
 *       {@code StressEngine});</li>
 *   <li>{@code python}: a real CPython on a stack (allocator-cpython).</li>
 * </ul>
 * The command line parses options and reports; the work is the modules'.
 */
package io.pymem4j.cli;
