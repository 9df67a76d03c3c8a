/**
 * The runtime that assembles allocator stacks from providers, the user's entry point.
 *
 * <ul>
 *   <li>{@link io.pymem4j.runtime.PyMemRuntime}: get/set per domain, {@code setupAllocators(name)},
 *       the stack's name, per-domain convenience calls, aligned blocks, segment views, a
 *       {@link java.lang.foreign.SegmentAllocator} and {@link java.lang.foreign.Arena}s over
 *       any domain, and {@code close()}. Providers see it as an
 *       {@link io.pymem4j.spi.RuntimeView}.</li>
 *   <li>{@link io.pymem4j.runtime.CloseReport}: what was live when a runtime closed.</li>
 *   <li>{@link io.pymem4j.runtime.StackSpec}: the grammar of stack names.</li>
 *   <li>{@link io.pymem4j.runtime.ProviderRegistry}: the providers found with
 *       {@link java.util.ServiceLoader}, by name, and the defaults they declare.</li>
 *   <li>{@link io.pymem4j.runtime.PyMemManagement}: a runtime as the JMX MXBean
 *       {@link io.pymem4j.runtime.PyMemRuntimeMXBean}, {@code io.pymem4j:type=PyMemRuntime,name=<stack>,id=<n>}.</li>
 * </ul>
 * The allocator contract is in {@link io.pymem4j.api}, the provider SPI in {@link io.pymem4j.spi}.
 */
package io.pymem4j.runtime;
