package io.pymem4j.spi;

/**
 * What a hook layer may use while it is created for a runtime.
 *
 * @param runtime the runtime whose stack the layer joins
 * @since 0.1
 */
public record HookContext(RuntimeView runtime) {
}
