package io.pymem4j.bench;

import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.spi.MallocFamily;
import io.pymem4j.testkit.AllocatorContractTest;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The peers' adapters keep the allocator contract, so that the replay runs through them as
 * through a stack. A peer whose native library is missing here is skipped (CI installs
 * libjemalloc2 and libmimalloc2.0; LWJGL ships its natives).
 */
class PeerContractTest {

    private static PyMemAllocatorEx available(Peer peer) {
        String why = peer.unavailable();
        assumeTrue(why == null, why);
        return peer.allocator();
    }

    @Nested
    class FfmJemalloc extends AllocatorContractTest {
        @Override
        protected PyMemAllocatorEx allocator() {
            return available(Peer.FFM_JEMALLOC);
        }

        /** jemalloc has an 8-byte size class: an 8-byte block may be 8-byte aligned. */
        @Override
        protected long expectedAlignment() {
            return 8;
        }
    }

    @Nested
    class FfmMimalloc extends AllocatorContractTest {
        @Override
        protected PyMemAllocatorEx allocator() {
            return available(Peer.FFM_MIMALLOC);
        }

        /** mimalloc aligns an 8-byte block to 8 (its 8-byte size class), larger ones to 16. */
        @Override
        protected long expectedAlignment() {
            return 8;
        }
    }

    @Nested
    class Unsafe extends AllocatorContractTest {
        @Override
        protected PyMemAllocatorEx allocator() {
            return available(Peer.UNSAFE);
        }
    }

    @Nested
    class LwjglSystem extends AllocatorContractTest {
        @Override
        protected PyMemAllocatorEx allocator() {
            return available(Peer.LWJGL_SYSTEM);
        }
    }

    @Nested
    class LwjglJemalloc extends AllocatorContractTest {
        @Override
        protected PyMemAllocatorEx allocator() {
            return available(Peer.LWJGL_JEMALLOC);
        }

        /** jemalloc has an 8-byte size class: an 8-byte block may be 8-byte aligned. */
        @Override
        protected long expectedAlignment() {
            return 8;
        }
    }

    @Nested
    class LwjglRpmalloc extends AllocatorContractTest {
        @Override
        protected PyMemAllocatorEx allocator() {
            return available(Peer.LWJGL_RPMALLOC);
        }
    }

    @Test
    void theLibcPeerIsAllocatorRawsLibcAllocator() {
        assertEquals(io.pymem4j.raw.LibcAllocator.INSTANCE, Peer.FFM_GLIBC.allocator());
    }

    @Test
    void peersThatFreeByObjectHaveNoAdapter() {
        for (Peer p : new Peer[] {Peer.NETTY_POOLED, Peer.ARENA_CONFINED, Peer.ARENA_SHARED}) {
            assertFalse(p.sizeOnly(), p.label());
            assertThrows(UnsupportedOperationException.class, p::allocator, p.label());
        }
    }

    @Test
    void onlyTheJemallocPeerNeedsAnEnvironment() {
        assertEquals("glibc.rtld.optional_static_tls=65536", Peer.FFM_JEMALLOC.environment().get("GLIBC_TUNABLES"));
        assertEquals(0, Peer.FFM_MIMALLOC.environment().size());
    }

    @Test
    void aMissingLibraryIsAReasonNotAnError() {
        String why = MallocFamily.unusable("libpymem4j-no-such-allocator.so.9", "", "install nothing");
        assertEquals("libpymem4j-no-such-allocator.so.9 cannot be opened: install nothing", why);
    }

    @Test
    void peersAreFoundByLabel() {
        assertEquals(Peer.LWJGL_RPMALLOC, Peer.of("lwjgl-rpmalloc"));
        assertThrows(IllegalArgumentException.class, () -> Peer.of("tcmalloc"));
    }
}
