package io.pymem4j.guice;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorEx;
import jakarta.inject.Inject;

import static io.pymem4j.api.PyMemAllocatorDomain.MEM;

/** Application code as the README shows it: it injects a domain's allocator and never names a backend. */
final class MessageStore {

    private final PyMemAllocatorEx mem;

    @Inject
    MessageStore(@Domain(MEM) PyMemAllocatorEx mem) {
        this.mem = mem;
    }

    /** Copies {@code message} into a native block; the caller frees it with {@link #release}. */
    long store(byte[] message) {
        long p = mem.malloc(message.length);
        if (p == 0) {
            throw new OutOfMemoryError("no block for a message of " + message.length + " bytes");
        }
        NativeMemory.copyFromArray(message, 0, p, message.length);
        return p;
    }

    byte[] load(long p, int length) {
        byte[] out = new byte[length];
        NativeMemory.copyToArray(p, out, 0, length);
        return out;
    }

    void release(long p) {
        mem.free(p);
    }
}
