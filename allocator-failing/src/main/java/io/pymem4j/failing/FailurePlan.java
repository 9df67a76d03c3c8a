package io.pymem4j.failing;

import io.pymem4j.api.AllocatorSetupException;
import io.pymem4j.api.PyMemAllocatorDomain;

import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Which allocation calls the {@code failing} layer makes return NULL.
 *
 * <p>The layer numbers the malloc, calloc and realloc calls of the plan's {@link #domains()}
 * from 0, in the order they reach it (one count over all those domains, as
 * {@code _testcapi.set_nomemory} counts the calls of all three). Call {@code n} fails when
 * <pre>
 *   start &lt;= n  and  (stop == 0 or n &lt; stop)  and  draw(seed, n) &lt; probability
 * </pre>
 * that is, the calls of the half-open window {@code [start, stop)} ({@code stop} 0: no end,
 * as {@code set_nomemory(start)} without a stop), each with the given probability. The draw
 * is a fixed function of the seed and the call's number, not a shared random stream, so a
 * seed fails the same calls in every run and threads need no lock to draw. {@code free}
 * never fails and is never counted.
 *
 * <table>
 *   <caption>Runtime options ({@code PyMemRuntime.option}), read when the layer is created</caption>
 *   <tr><th>key</th><th>value</th><th>default</th></tr>
 *   <tr><td>{@value #START}</td><td>the number of the first call to fail, from 0</td>
 *       <td>none: nothing fails, unless {@value #PROBABILITY} is set, then 0</td></tr>
 *   <tr><td>{@value #STOP}</td><td>the number of the first call after the window; 0 for no end</td><td>0</td></tr>
 *   <tr><td>{@value #PROBABILITY}</td><td>a number from 0 to 1</td><td>1</td></tr>
 *   <tr><td>{@value #SEED}</td><td>any long</td><td>0</td></tr>
 *   <tr><td>{@value #DOMAINS}</td><td>{@code RAW}, {@code MEM}, {@code OBJ} separated by commas, or {@code all}</td>
 *       <td>all</td></tr>
 * </table>
 *
 * @param start       the number of the first call that may fail; {@link #NEVER} for none
 * @param stop        the number of the first call after the window, or 0 for no end
 * @param probability the chance that a call in the window fails, from 0 to 1
 * @param seed        picks which calls of the window fail when the probability is below 1
 * @param domains     the domains whose calls are counted and may fail
 * @since 0.1
 */
public record FailurePlan(long start, long stop, double probability, long seed, Set<PyMemAllocatorDomain> domains) {

    public static final String START = "failing.start";
    public static final String STOP = "failing.stop";
    public static final String PROBABILITY = "failing.probability";
    public static final String SEED = "failing.seed";
    public static final String DOMAINS = "failing.domains";

    /** The {@link #start()} of a plan under which nothing fails. */
    public static final long NEVER = Long.MAX_VALUE;

    private static final Set<PyMemAllocatorDomain> ALL = Collections.unmodifiableSet(EnumSet.allOf(PyMemAllocatorDomain.class));

    /** Nothing fails; calls of every domain are counted. */
    public static final FailurePlan NONE = new FailurePlan(NEVER, 0, 1.0, 0, ALL);

    public FailurePlan {
        if (start < 0) {
            throw new IllegalArgumentException("start " + start + " is negative");
        }
        if (stop < 0) {
            throw new IllegalArgumentException("stop " + stop + " is negative (0 means no end)");
        }
        if (!(probability >= 0 && probability <= 1)) {
            throw new IllegalArgumentException("probability " + probability + " is not between 0 and 1");
        }
        Objects.requireNonNull(domains, "domains");
        if (domains.isEmpty()) {
            throw new IllegalArgumentException("no domain: name RAW, MEM or OBJ");
        }
        domains = Collections.unmodifiableSet(EnumSet.copyOf(domains));
    }

    /** Calls {@code start} to {@code stop - 1} fail ({@code set_nomemory(start, stop)}); {@code stop} 0 means no end. */
    public static FailurePlan range(long start, long stop) {
        return new FailurePlan(start, stop, 1.0, 0, ALL);
    }

    /** Call {@code n} fails, and no other. */
    public static FailurePlan only(long n) {
        if (n == NEVER) {
            throw new IllegalArgumentException("call " + n + " is never reached");
        }
        return range(n, n + 1);
    }

    /** Every call from {@code start} on fails ({@code set_nomemory(start)}). */
    public static FailurePlan from(long start) {
        return range(start, 0);
    }

    /** Each call fails with {@code probability}; {@code seed} picks which. */
    public static FailurePlan probability(double probability, long seed) {
        return new FailurePlan(0, 0, probability, seed, ALL);
    }

    /** This plan, counting and failing only the calls of {@code domains}. */
    public FailurePlan inDomains(Collection<PyMemAllocatorDomain> domains) {
        return new FailurePlan(start, stop, probability, seed, EnumSet.copyOf(domains));
    }

    /** This plan, counting and failing only the calls of {@code first} and {@code more}. */
    public FailurePlan inDomains(PyMemAllocatorDomain first, PyMemAllocatorDomain... more) {
        return new FailurePlan(start, stop, probability, seed, EnumSet.of(first, more));
    }

    /** True when no call can fail under this plan. */
    public boolean disarmed() {
        return start == NEVER || probability == 0 || (stop != 0 && stop <= start);
    }

    /** Whether call number {@code n} (of the counted domains) fails. */
    public boolean fails(long n) {
        return n >= start && (stop == 0 || n < stop) && (probability >= 1.0 || draw(seed, n) < probability);
    }

    /**
     * A number in [0, 1) fixed by {@code seed} and {@code n}: SplitMix64's finalizer over the
     * n-th step of its sequence, so nearby seeds and calls give unrelated draws.
     */
    static double draw(long seed, long n) {
        long z = seed + (n + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        return (z >>> 11) * 0x1.0p-53;
    }

    /**
     * The plan the runtime options ask for, read through {@code option} (a runtime's
     * {@code option} method); see the class doc.
     *
     * @throws AllocatorSetupException naming the option when a value is not valid
     */
    public static FailurePlan fromOptions(Function<String, String> option) {
        String startText = option.apply(START);
        String probabilityText = option.apply(PROBABILITY);
        double probability = probabilityText == null ? 1.0 : parseProbability(probabilityText);
        long start = startText != null ? parseCount(START, startText) : probabilityText != null ? 0 : NEVER;
        String stopText = option.apply(STOP);
        long stop = stopText == null ? 0 : parseCount(STOP, stopText);
        String seedText = option.apply(SEED);
        long seed = seedText == null ? 0 : parseSeed(seedText);
        String domainsText = option.apply(DOMAINS);
        Set<PyMemAllocatorDomain> domains = domainsText == null ? ALL : parseDomains(domainsText);
        return new FailurePlan(start, stop, probability, seed, domains);
    }

    private static long parseCount(String key, String value) {
        try {
            long n = Long.parseLong(value.strip().replace("_", ""));
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw bad(key, value, "a call number from 0 up");
    }

    private static double parseProbability(String value) {
        try {
            double p = Double.parseDouble(value.strip());
            if (p >= 0 && p <= 1) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw bad(PROBABILITY, value, "a number from 0 to 1, such as 0.001");
    }

    private static long parseSeed(String value) {
        try {
            return Long.parseLong(value.strip().replace("_", ""));
        } catch (NumberFormatException e) {
            throw bad(SEED, value, "a whole number (a Java long)");
        }
    }

    private static Set<PyMemAllocatorDomain> parseDomains(String value) {
        String v = value.strip();
        if (v.equalsIgnoreCase("all")) {
            return ALL;
        }
        EnumSet<PyMemAllocatorDomain> set = EnumSet.noneOf(PyMemAllocatorDomain.class);
        for (String part : v.split(",", -1)) {
            String name = part.strip().toUpperCase(Locale.ROOT);
            PyMemAllocatorDomain found = null;
            for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
                if (d.name().equals(name)) {
                    found = d;
                }
            }
            if (found == null) {
                throw bad(DOMAINS, value, "RAW, MEM, OBJ separated by commas, or all");
            }
            set.add(found);
        }
        return set;
    }

    private static AllocatorSetupException bad(String key, String value, String expected) {
        return new AllocatorSetupException("option " + key + "='" + value + "' is not valid: expected " + expected);
    }

    @Override
    public String toString() {
        if (disarmed()) {
            return "nothing fails (counting " + domains + ")";
        }
        return "calls " + start + (stop == 0 ? " on" : " to " + (stop - 1))
                + (probability < 1 ? " fail with probability " + probability + " (seed " + seed + ")" : " fail")
                + " (counting " + domains + ")";
    }
}
