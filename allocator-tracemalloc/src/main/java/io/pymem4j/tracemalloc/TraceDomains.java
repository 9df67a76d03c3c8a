package io.pymem4j.tracemalloc;

import io.pymem4j.api.PyMemAllocatorDomain;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The trace tables of every trace domain: CPython's {@code tracemalloc_traces} (here one
 * {@link TraceTable} per runtime domain, RAW, MEM and OBJ, in an array indexed by the domain's
 * value) and {@code tracemalloc_domains} (a table per other domain number, made when its first
 * block is traced, in ascending order). Not thread-safe: {@link TraceStore} guards it with its
 * lock.
 */
final class TraceDomains {

    /** The runtime's domains: trace domains 0 to this, exclusive. */
    static final int RUNTIME_DOMAINS = PyMemAllocatorDomain.values().length;

    private final TraceTable[] runtimeTables = new TraceTable[RUNTIME_DOMAINS];
    private final Map<Integer, TraceTable> otherTables = new TreeMap<>();

    TraceDomains() {
        for (int d = 0; d < RUNTIME_DOMAINS; d++) {
            runtimeTables[d] = new TraceTable();
        }
    }

    /** The table of {@code domain}, or null when no block of it was traced. */
    TraceTable tableOrNull(int domain) {
        return domain >= 0 && domain < RUNTIME_DOMAINS ? runtimeTables[domain] : otherTables.get(domain);
    }

    /** The table of {@code domain}, made when it has none. */
    TraceTable table(int domain) {
        return domain >= 0 && domain < RUNTIME_DOMAINS ? runtimeTables[domain]
                : otherTables.computeIfAbsent(domain, d -> new TraceTable());
    }

    /** The runtime domain {@code d}'s table, {@code d} below {@link #RUNTIME_DOMAINS}. */
    TraceTable runtimeTable(int d) {
        return runtimeTables[d];
    }

    /** The traceback of the live block at {@code address} in any domain, runtime domains first; or null. */
    Traceback findAnywhere(long address) {
        for (TraceTable t : runtimeTables) {
            int slot = t.find(address);
            if (slot >= 0) {
                return t.tracebackAt(slot);
            }
        }
        for (TraceTable t : otherTables.values()) {
            int slot = t.find(address);
            if (slot >= 0) {
                return t.tracebackAt(slot);
            }
        }
        return null;
    }

    /** How many traces all the tables hold. */
    int size() {
        int size = 0;
        for (TraceTable t : runtimeTables) {
            size += t.size();
        }
        for (TraceTable t : otherTables.values()) {
            size += t.size();
        }
        return size;
    }

    /** Adds a {@link Trace} of every entry to {@code traces}, domains in ascending order. */
    void copyTo(List<Trace> traces) {
        for (int d = 0; d < RUNTIME_DOMAINS; d++) {
            runtimeTables[d].forEach(d, traces::add);
        }
        for (var e : otherTables.entrySet()) {
            e.getValue().forEach(e.getKey(), traces::add);
        }
    }

    /** An estimate of the bytes the tables take on the Java heap. */
    long memoryUsage() {
        long total = 0;
        for (TraceTable t : runtimeTables) {
            total += t.memoryUsage();
        }
        for (TraceTable t : otherTables.values()) {
            total += t.memoryUsage() + 48;
        }
        return total;
    }

    /** Empties every table and forgets the other domains. */
    void clear() {
        for (TraceTable t : runtimeTables) {
            t.clear();
        }
        otherTables.clear();
    }
}
