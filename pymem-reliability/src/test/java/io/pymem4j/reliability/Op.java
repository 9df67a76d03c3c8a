package io.pymem4j.reliability;

import io.pymem4j.api.PyMemAllocatorDomain;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;

import java.util.List;

/**
 * One step of a generated program. A malloc or calloc makes a block in {@code domain}; a
 * realloc or free acts on the live block number {@code pick} (modulo how many are live, in
 * the order they were made) in that block's own domain, or on NULL when none is live.
 *
 * @param kind   what the step calls
 * @param domain the domain of a new block
 * @param size   malloc's and realloc's size, calloc's element count
 * @param elsize calloc's element size
 * @param pick   which live block a realloc or free takes
 */
record Op(Kind kind, PyMemAllocatorDomain domain, int size, int elsize, int pick) {

    /**
     * What a step calls. The generators of this class make the first four; the coverage-guided
     * fuzzer ({@link ApiSequenceCoverageFuzzTest}) makes all: a view of a live block through
     * {@code segment}, {@code setupAllocators} on the used runtime, and tracemalloc's start and stop.
     */
    enum Kind { MALLOC, CALLOC, REALLOC, FREE, SEGMENT, SETUP, TRACE_START, TRACE_STOP }

    /** Programs of 1 to {@code maxLength} steps. */
    static Arbitrary<List<Op>> programs(int maxLength) {
        return ops().list().ofMinSize(1).ofMaxSize(maxLength).withSizeDistribution(RandomDistribution.uniform());
    }

    /** One step: mostly small sizes (pymalloc's classes), some medium, a few above glibc's mmap threshold. */
    static Arbitrary<Op> ops() {
        Arbitrary<Kind> kinds = Arbitraries.frequencyOf(
                Tuple.of(35, Arbitraries.just(Kind.MALLOC)),
                Tuple.of(10, Arbitraries.just(Kind.CALLOC)),
                Tuple.of(25, Arbitraries.just(Kind.REALLOC)),
                Tuple.of(30, Arbitraries.just(Kind.FREE)));
        Arbitrary<Integer> sizes = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.just(0)),
                Tuple.of(60, Arbitraries.integers().between(1, 128)),
                Tuple.of(25, Arbitraries.integers().between(129, 512)),
                Tuple.of(10, Arbitraries.integers().between(513, 8192)),
                Tuple.of(2, Arbitraries.integers().between(8193, 300_000)));
        return Combinators.combine(kinds, Arbitraries.of(PyMemAllocatorDomain.class), sizes,
                        Arbitraries.integers().between(0, 64), Arbitraries.integers().between(0, 1023))
                .as((kind, domain, size, elsize, pick) -> kind == Kind.CALLOC
                        ? new Op(kind, domain, Math.min(size, 2048), elsize, pick)
                        : new Op(kind, domain, size, 0, pick));
    }

    @Override
    public String toString() {
        return switch (kind) {
            case MALLOC -> domain + " malloc(" + size + ")";
            case CALLOC -> domain + " calloc(" + size + ", " + elsize + ")";
            case REALLOC -> "realloc(live #" + pick + ", " + size + ")";
            case FREE -> "free(live #" + pick + ")";
            case SEGMENT -> "segment(live #" + pick + ")";
            case SETUP -> "setupAllocators(#" + pick + ")";
            case TRACE_START -> "tracemalloc start";
            case TRACE_STOP -> "tracemalloc stop";
        };
    }
}
