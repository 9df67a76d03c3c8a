/**
 * What the layers add to a runtime's MXBean ({@link io.pymem4j.api.PyMemRuntimeMXBean},
 * registered with {@link io.pymem4j.api.PyMemManagement#register}): on the class path, this
 * module's {@link io.pymem4j.spi.RuntimeStatistics} contributors fill its
 * {@code Statistics} attribute through the layers' public APIs.
 *
 * <table>
 *   <caption>Sections</caption>
 *   <tr><th>keys</th><th>from</th><th>when</th></tr>
 *   <tr><td>{@code pymalloc.arenas.*}, {@code pymalloc.pools.unused}, {@code pymalloc.blocks.*},
 *       {@code pymalloc.bytes.allocated}</td><td>{@code Pymalloc.stats()}</td><td>the backend is pymalloc</td></tr>
 *   <tr><td>{@code debug.blocks.live}, {@code debug.serialNumber}, {@code debug.quarantine.*}</td>
 *       <td>{@code DebugHook}</td><td>the stack has the debug hooks</td></tr>
 *   <tr><td>{@code tracemalloc.current}, {@code .peak}, {@code .memory}, {@code .tracing},
 *       {@code .tracebackLimit}, {@code tracemalloc.<RAW|MEM|OBJ>.current}, {@code .blocks}</td>
 *       <td>{@code Tracemalloc}</td><td>the stack has the tracemalloc layer</td></tr>
 * </table>
 * The contributors belong with their layers; they live here, beside them, until those
 * modules ship their own.
 */
package io.pymem4j.jmx;
