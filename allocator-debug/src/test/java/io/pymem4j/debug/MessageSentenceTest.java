package io.pymem4j.debug;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorDomain;
import org.junit.jupiter.api.Test;

import static io.pymem4j.api.PyMemAllocatorDomain.MEM;
import static io.pymem4j.api.PyMemAllocatorDomain.OBJ;
import static io.pymem4j.api.PyMemAllocatorDomain.RAW;
import static io.pymem4j.debug.Fixture.corruption;
import static io.pymem4j.debug.Fixture.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** A {@link MemoryCorruptionError}'s message: one Java sentence, then CPython's report unchanged. */
class MessageSentenceTest {

    @Test
    void anOverflowNamesTheBlockItsDomainAndTheFreeThatFoundIt() {
        Fixture f = new Fixture();
        long p = f.allocator(MEM).malloc(16);
        NativeMemory.putByte(p + 16, (byte) 'x');
        MemoryCorruptionError e = corruption(() -> f.allocator(MEM).free(p));
        assertEquals("Buffer overflow: the bytes just past the end of the MEM block at " + hex(p)
                + " (16 bytes) were overwritten (found by free).\n" + e.report(), e.getMessage());
        assertEquals(MEM, e.domain());
    }

    @Test
    void anUnderflowFoundByReallocSaysSo() {
        Fixture f = new Fixture();
        long p = f.allocator(OBJ).malloc(24);
        NativeMemory.putByte(p - 3, (byte) 'x');
        MemoryCorruptionError e = corruption(() -> f.allocator(OBJ).realloc(p, 48));
        assertEquals("Buffer underflow: the bytes just before the OBJ block at " + hex(p)
                + " (24 bytes) were overwritten (found by realloc).\n" + e.report(), e.getMessage());
    }

    @Test
    void aFreeThroughAnotherDomainNamesBothDomains() {
        Fixture f = new Fixture();
        long p = f.allocator(MEM).malloc(16);
        MemoryCorruptionError e = corruption(() -> f.allocator(RAW).free(p));
        assertEquals("Wrong domain: the MEM block at " + hex(p) + " (16 bytes) was given to the RAW domain's free,"
                + " not to the domain that allocated it (or the block's API id byte was overwritten).\n" + e.report(),
                e.getMessage());
        assertEquals(MEM, e.domain());
    }

    @Test
    void aDoubleFreeNamesTheBlockThatWasFreed() {
        Fixture f = new Fixture();
        long p = f.allocator(OBJ).malloc(16);
        f.allocator(OBJ).free(p);
        MemoryCorruptionError e = corruption(() -> f.allocator(OBJ).free(p));
        assertEquals("Double free: the OBJ block at " + hex(p) + " (16 bytes) was given to the OBJ domain's free after"
                + " it was already freed.\n" + e.report(), e.getMessage());
    }

    @Test
    void aPointerThatIsNoBlockNamesTheDomainOfTheCall() {
        Fixture f = new Fixture();
        long foreign = f.backend.malloc(64) + 16;
        MemoryCorruptionError e = corruption(() -> f.allocator(RAW).free(foreign));
        assertEquals("Bad pointer: " + hex(foreign) + " was given to the RAW domain's free, but it is not a live block"
                + " of the debug layer.\n" + e.report(), e.getMessage());
        assertEquals(PyMemAllocatorDomain.RAW, e.domain());
    }

    @Test
    void aWriteAfterFreeSaysTheQuarantineFoundIt() {
        Fixture f = new Fixture(DebugConfig.QUARANTINE_BYTES, "1k");
        long p = f.allocator(MEM).malloc(16);
        f.allocator(MEM).free(p);
        NativeMemory.putByte(p, (byte) 'x');
        MemoryCorruptionError e = corruption(f.hook::flushQuarantine);
        assertEquals("Write after free: the MEM block at " + hex(p) + " (16 bytes) was written after it was freed"
                + " (found when it left the debug layer's quarantine).\n" + e.report(), e.getMessage());
    }
}
