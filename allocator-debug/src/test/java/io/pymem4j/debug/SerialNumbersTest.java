package io.pymem4j.debug;

import org.junit.jupiter.api.Test;

import java.util.concurrent.FutureTask;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Serial numbers: CPython's count of calls with one thread, a chunk per thread with more. */
class SerialNumbersTest {

    @Test
    void oneThreadCountsTheCallsFromOne() {
        SerialNumbers s = new SerialNumbers();
        assertEquals(0, s.last());
        for (long n = 1; n <= 3 * SerialNumbers.CHUNK + 5; n++) {
            assertEquals(n, s.next());
        }
        assertEquals(3 * SerialNumbers.CHUNK + 5, s.last());
    }

    @Test
    void anotherThreadTakesTheNextChunk() throws Exception {
        SerialNumbers s = new SerialNumbers();
        assertEquals(1, s.next());
        FutureTask<Long> other = new FutureTask<>(s::next);
        Thread t = Thread.ofPlatform().start(other);
        t.join();
        assertEquals(SerialNumbers.CHUNK + 1, other.get());
        assertEquals(2, s.next(), "the first thread goes on in its own chunk");
        assertEquals(SerialNumbers.CHUNK + 1, s.last(), "the highest handed out, the ended thread's included");
    }
}
