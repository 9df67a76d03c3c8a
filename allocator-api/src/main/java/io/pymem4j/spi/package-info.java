/**
 * The provider SPI: how backends, hook layers and arena allocators join pymem4j. It names
 * the allocator contract ({@link io.pymem4j.api}) only; what a provider may ask of the
 * runtime building its stack is a {@link io.pymem4j.spi.RuntimeView}.
 *
 * <h2>Adding a backend, as a third party</h2>
 * <ol>
 *   <li>Depend on {@code io.pymem4j:allocator-api} only (module {@code io.pymem4j.api};
 *       the packages {@code io.pymem4j.api} and {@code io.pymem4j.spi}).</li>
 *   <li>Implement {@link io.pymem4j.api.PyMemAllocatorEx} with its contract
 *       ({@code io.pymem4j:allocator-testkit} has {@code io.pymem4j.testkit.AllocatorContractTest}
 *       to extend).</li>
 *   <li>Implement {@link io.pymem4j.spi.BackendProvider}: a unique name, the domains it
 *       serves, {@link io.pymem4j.spi.AllocatorProvider#availability()} saying what is
 *       missing when a native library is not installed.</li>
 *   <li>List the provider class in
 *       {@code META-INF/services/io.pymem4j.spi.AllocatorProvider}, and on the module path
 *       {@code provides io.pymem4j.spi.AllocatorProvider with ...} in its module-info.</li>
 * </ol>
 * The jar on the class path is then enough: {@code PyMemRuntime.create("yours+debug")}.
 *
 * <h2>Optional capabilities of a layer</h2>
 * <ul>
 *   <li>{@link io.pymem4j.spi.LayerLifecycle}: what the layer holds goes back when its
 *       runtime closes, and it counts its live blocks ({@link io.pymem4j.spi.LiveBlocks}).</li>
 *   <li>{@link io.pymem4j.spi.AlignedAllocation}: blocks at alignments above 16 bytes, for the
 *       runtime's {@code alignedMalloc}.</li>
 *   <li>{@link io.pymem4j.spi.UsableSize}: the size of a block, so that segment views past its
 *       end are refused.</li>
 * </ul>
 * A hook layer that implements one passes it down to the allocator below where it has
 * nothing of its own to add.
 *
 * <p>A module may also add figures to a runtime's MXBean with a
 * {@link io.pymem4j.spi.RuntimeStatistics}, listed in
 * {@code META-INF/services/io.pymem4j.spi.RuntimeStatistics}.
 */
package io.pymem4j.spi;
