package io.pymem4j.failing;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.spi.Hook;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code failing} layer's state in one runtime, shared by its three domains: the
 * {@link FailurePlan} in force, the count of allocation calls it numbers, and the count of
 * calls it made fail. Found with {@link #of(PyMemRuntime)}; changing the plan is
 * {@code _testcapi.set_nomemory}, and {@link #disarm()} its {@code remove_mem_hooks}, except
 * that the layer stays in the stack and goes on counting.
 *
 * <p>Setting a plan starts the numbering again from 0 (as {@code set_nomemory} does). It is
 * not atomic with respect to calls in flight on other threads: such a call may be numbered
 * under the old plan or the new one.
 *
 * @since 0.1
 */
public final class FailingHook implements Hook {

    private static final Logger log = LoggerFactory.getLogger(FailingHook.class);

    /** The plan with what the hot path reads of it precomputed: one volatile read per call. */
    record Armed(FailurePlan plan, int domainMask, long start, long stop, double probability, long seed) {
        static Armed of(FailurePlan plan) {
            int mask = 0;
            for (PyMemAllocatorDomain d : plan.domains()) {
                mask |= 1 << d.ordinal();
            }
            return new Armed(plan, mask, plan.start(), plan.stop(), plan.probability(), plan.seed());
        }
    }

    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile Armed armed;

    /** A layer with {@code plan} in force. */
    public FailingHook(FailurePlan plan) {
        this.armed = Armed.of(Objects.requireNonNull(plan, "plan"));
    }

    /** The failing layer of {@code runtime}'s stack, if it has one. */
    public static Optional<FailingHook> of(PyMemRuntime runtime) {
        return runtime.findHook(FailingHook.class);
    }

    @Override
    public PyMemAllocatorEx wrap(PyMemAllocatorDomain domain, PyMemAllocatorEx below) {
        return new FailingAllocator(this, domain, below);
    }

    /** The plan in force. */
    public FailurePlan plan() {
        return armed.plan();
    }

    /** Puts {@code plan} in force and numbers calls from 0 again; the failure count starts again too. */
    public void setPlan(FailurePlan plan) {
        Armed next = Armed.of(Objects.requireNonNull(plan, "plan"));
        calls.set(0);
        failures.set(0);
        armed = next;
        log.debug("failing layer: {}", plan);
    }

    /** {@code set_nomemory(start, stop)}: calls {@code start} to {@code stop - 1} fail, in every domain; 0 for no end. */
    public void failRange(long start, long stop) {
        setPlan(FailurePlan.range(start, stop));
    }

    /** Only the call numbered {@code n} fails, in every domain. */
    public void failOnly(long n) {
        setPlan(FailurePlan.only(n));
    }

    /** Each call fails with {@code probability}; {@code seed} picks which (see {@link FailurePlan}). */
    public void failWithProbability(double probability, long seed) {
        setPlan(FailurePlan.probability(probability, seed));
    }

    /** Nothing fails from now on; calls of every domain are counted from 0. */
    public void disarm() {
        setPlan(FailurePlan.NONE);
    }

    /** The calls numbered since the plan was set: the next call's number. */
    public long calls() {
        return calls.get();
    }

    /** The calls made to fail since the plan was set. */
    public long failures() {
        return failures.get();
    }

    /** Numbers a malloc, calloc or realloc call of the domain with bit {@code domainBit}; true when it must fail. */
    boolean fails(int domainBit) {
        Armed a = armed;
        if ((a.domainMask & domainBit) == 0) {
            return false;
        }
        long n = calls.getAndIncrement();
        if (n < a.start || (a.stop != 0 && n >= a.stop)
                || (a.probability < 1.0 && FailurePlan.draw(a.seed, n) >= a.probability)) {
            return false;
        }
        failures.incrementAndGet();
        return true;
    }

    @Override
    public String toString() {
        return "failing[" + plan() + "; " + calls() + " calls, " + failures() + " failed]";
    }
}
