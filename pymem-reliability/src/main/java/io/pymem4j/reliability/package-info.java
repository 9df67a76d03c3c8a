/**
 * Reliability checks of pymem4j's allocator stacks that are more than unit tests: the
 * concurrent {@link io.pymem4j.reliability.StressEngine} behind {@code pymem stress}, and, in
 * this module's tests, the model-based property tests of every stack, exhaustive fault
 * injection through the {@code failing} layer, fuzzing of the trace reader and of the
 * allocator names, the release of arenas after a replay, bad input at the API, and the
 * figures every layer adds to a runtime's MXBean.
 * RELIABILITY.md at the repository's root has the figures and the commands that reproduce them.
 */
package io.pymem4j.reliability;
