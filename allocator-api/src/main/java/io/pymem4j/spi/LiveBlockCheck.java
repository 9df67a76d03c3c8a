package io.pymem4j.spi;

/**
 * A hook layer that can verify its live blocks on demand: the debug layer checks the pads
 * around every block it handed out and has not taken back, as its free would, and reports a
 * damaged one as corruption (a buffer overflow in a block that is never freed would otherwise
 * only show as a leak). {@code PyMemRuntime.check()} runs every such layer of the stack,
 * bottom first; {@code @PyMemTest} does after each test, and a runtime at its close.
 *
 * <p>Callers run it when no other thread frees or reallocates the runtime's blocks (at the end
 * of a test, at close): the check pins each block while it reads the block's pads, so that
 * the block cannot go back to the backend under it, and a free racing it waits for it.
 *
 * @since 0.1
 */
public interface LiveBlockCheck {

    /**
     * Verifies every live block of this layer and reports each damaged one as the layer
     * reports corruption (its policy: the debug layer throws its error under {@code throw},
     * after checking every block, with the reports of the other damaged blocks suppressed in
     * it). A damaged block is then kept from the backend for good, as a failed free keeps it.
     *
     * @return how many damaged blocks were found (under a policy that does not throw)
     */
    int checkLiveBlocks();
}
