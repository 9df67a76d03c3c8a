package io.pymem4j.junit;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.debug.MemoryCorruptionError;
import io.pymem4j.spi.Hook;
import io.pymem4j.spi.HookContext;
import io.pymem4j.spi.HookProvider;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The top layer of a test runtime ({@value #NAME}): it sees every debug report thrown below
 * it, on any thread, before code under test can swallow it, and hands it on unchanged.
 * Transparent, so tracemalloc can still come and go above the debug hooks. Only the
 * extension's own registry knows it: it never shows in {@code pymem list}.
 */
final class ReportRecorder implements Hook {

    /** The layer's name in the stack. */
    static final String NAME = "junit";

    private final ConcurrentLinkedQueue<MemoryCorruptionError> reports = new ConcurrentLinkedQueue<>();

    @Override
    public PyMemAllocatorEx wrap(PyMemAllocatorDomain domain, PyMemAllocatorEx below) {
        return new Layer(this, below);
    }

    void record(MemoryCorruptionError e) {
        reports.add(e);
    }

    /** The reports recorded since the last call, oldest first. */
    List<MemoryCorruptionError> drain() {
        List<MemoryCorruptionError> out = new ArrayList<>();
        for (MemoryCorruptionError e; (e = reports.poll()) != null; ) {
            out.add(e);
        }
        return out;
    }

    /** The provider of the layer. */
    static final class Provider implements HookProvider {
        @Override
        public String name() {
            return NAME;
        }

        @Override
        public String description() {
            return "pymem-junit: records the debug layer's reports for the test that caused them";
        }

        @Override
        public boolean transparent() {
            return true;
        }

        @Override
        public Hook create(HookContext context) {
            return new ReportRecorder();
        }
    }

    /** Forwards every call, recording the debug reports that come up through it. */
    private record Layer(ReportRecorder recorder, PyMemAllocatorEx below) implements PyMemAllocatorEx {
        @Override
        public long malloc(long size) {
            try {
                return below.malloc(size);
            } catch (MemoryCorruptionError e) {
                recorder.record(e);
                throw e;
            }
        }

        @Override
        public long calloc(long nelem, long elsize) {
            try {
                return below.calloc(nelem, elsize);
            } catch (MemoryCorruptionError e) {
                recorder.record(e);
                throw e;
            }
        }

        @Override
        public long realloc(long ptr, long newSize) {
            try {
                return below.realloc(ptr, newSize);
            } catch (MemoryCorruptionError e) {
                recorder.record(e);
                throw e;
            }
        }

        @Override
        public void free(long ptr) {
            try {
                below.free(ptr);
            } catch (MemoryCorruptionError e) {
                recorder.record(e);
                throw e;
            }
        }
    }
}
