package io.pymem4j.reliability;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.replay.TraceFile;
import io.pymem4j.replay.TraceFormatException;
import io.pymem4j.replay.TraceOp;
import io.pymem4j.replay.TraceWriter;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Fuzzing of the {@code .pymt} reader ({@link TraceFile#read}): any input, random bytes or a valid
 * trace with random mutations in its content or in its gzip stream, gives a decoded trace
 * whose counts agree with its header, or a {@link TraceFormatException} with a message, within
 * a few seconds. Anything else (another exception, an error, a hang) fails.
 */
class TraceReaderFuzzTest {

    private static final Logger log = LoggerFactory.getLogger(TraceReaderFuzzTest.class);
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final AtomicLong INPUTS = new AtomicLong();
    private static final AtomicLong DECODED = new AtomicLong();
    private static final AtomicLong REJECTED = new AtomicLong();

    /** One change to a byte array. */
    record Mutation(int kind, int position, byte value) {
        byte[] apply(byte[] in) {
            if (in.length == 0) {
                return kind == 2 ? new byte[]{value} : in;
            }
            int at = Math.floorMod(position, in.length);
            ByteArrayOutputStream out = new ByteArrayOutputStream(in.length + 1);
            switch (kind) {
                case 0 -> { // flip one bit
                    byte[] copy = in.clone();
                    copy[at] ^= (byte) (1 << (value & 7));
                    return copy;
                }
                case 1 -> { // set a byte
                    byte[] copy = in.clone();
                    copy[at] = value;
                    return copy;
                }
                case 2 -> { // insert a byte
                    out.write(in, 0, at);
                    out.write(value);
                    out.write(in, at, in.length - at);
                }
                case 3 -> { // delete a byte
                    out.write(in, 0, at);
                    out.write(in, at + 1, in.length - at - 1);
                }
                default -> { // cut the rest off
                    out.write(in, 0, at);
                }
            }
            return out.toByteArray();
        }
    }

    @AfterContainer
    static void figures() {
        log.info("trace reader fuzzing: {} inputs, {} decoded, {} rejected with a TraceFormatException", INPUTS.get(),
                DECODED.get(), REJECTED.get());
    }

    /** Reads {@code gzip} and checks that the outcome is one the reader documents. */
    private static void readAnything(byte[] gzip) {
        INPUTS.incrementAndGet();
        assertTimeoutPreemptively(DEADLINE, () -> {
            TraceFile t;
            try {
                t = TraceFile.read(new ByteArrayInputStream(gzip), "fuzz");
            } catch (TraceFormatException e) {
                assertFalse(e.getMessage() == null || e.getMessage().isBlank(), "a TraceFormatException without a message");
                REJECTED.incrementAndGet();
                return;
            }
            assertEquals(t.header().eventCount(), t.eventCount());
            long sum = 0;
            for (TraceOp op : TraceOp.values()) {
                sum += t.count(op);
            }
            assertEquals(t.eventCount(), sum, "events by op");
            DECODED.incrementAndGet();
        });
    }

    /** The content of a valid trace: a program's calls with dense ids, as the recorder writes them. */
    static byte[] validContent(List<Op> program) {
        TraceWriter w = new TraceWriter();
        Deque<Long> freeIds = new ArrayDeque<>();
        List<long[]> live = new ArrayList<>(); // {id, domain}
        long nextId = 1;
        for (Op op : program) {
            boolean define = op.kind() == Op.Kind.MALLOC || op.kind() == Op.Kind.CALLOC || live.isEmpty();
            if (define) {
                long id = freeIds.isEmpty() ? nextId++ : freeIds.pop();
                PyMemAllocatorDomain d = op.domain();
                switch (op.kind()) {
                    case CALLOC -> w.calloc(d, id, op.size(), op.elsize());
                    case REALLOC, FREE -> w.realloc(d, 0, id, op.size());
                    default -> w.malloc(d, id, op.size());
                }
                live.add(new long[]{id, d.ordinal()});
                continue;
            }
            long[] block = live.get(op.pick() % live.size());
            PyMemAllocatorDomain d = PyMemAllocatorDomain.ofValue((int) block[1]);
            if (op.kind() == Op.Kind.REALLOC) {
                w.realloc(d, block[0], block[0], op.size());
            } else {
                w.free(d, block[0]);
                live.remove(block);
                freeIds.push(block[0]);
            }
        }
        return w.encode();
    }

    @Provide
    Arbitrary<byte[]> validTraces() {
        return Op.programs(40).map(TraceReaderFuzzTest::validContent);
    }

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        return Combinators.combine(Arbitraries.integers().between(0, 4), Arbitraries.integers(), Arbitraries.bytes())
                .as(Mutation::new).list().ofMinSize(1).ofMaxSize(4);
    }

    @Property @Scaled(ci = 300, full = 25_000)
    void anyBytesGiveATraceOrAFormatError(@ForAll @Size(max = 200) byte[] bytes) {
        readAnything(bytes);
    }

    @Property @Scaled(ci = 300, full = 25_000)
    void anyGzippedBytesAfterTheMagicGiveATraceOrAFormatError(@ForAll @Size(max = 200) byte[] bytes) {
        byte[] content = new byte[bytes.length + 5];
        System.arraycopy("PYMT\u0001".getBytes(StandardCharsets.US_ASCII), 0, content, 0, 5);
        System.arraycopy(bytes, 0, content, 5, bytes.length);
        readAnything(TraceWriter.gzip(content));
    }

    @Property @Scaled(ci = 400, full = 25_000)
    void aValidTraceWithItsContentMutatedGivesATraceOrAFormatError(@ForAll("validTraces") byte[] content,
                                                                  @ForAll("mutations") List<Mutation> mutations) {
        readAnything(TraceWriter.gzip(mutate(content, mutations)));
    }

    @Property @Scaled(ci = 300, full = 25_000)
    void aValidTraceWithItsGzipStreamMutatedGivesATraceOrAFormatError(@ForAll("validTraces") byte[] content,
                                                                     @ForAll("mutations") List<Mutation> mutations) {
        readAnything(mutate(TraceWriter.gzip(content), mutations));
    }

    @Property @Scaled(ci = 50, full = 2_000)
    void everyValidTraceIsDecoded(@ForAll("validTraces") byte[] content) throws IOException {
        INPUTS.incrementAndGet();
        TraceFile t = TraceFile.read(new ByteArrayInputStream(TraceWriter.gzip(content)), "valid");
        assertEquals(t.header().eventCount(), t.eventCount());
        DECODED.incrementAndGet();
    }

    private static byte[] mutate(byte[] in, List<Mutation> mutations) {
        byte[] out = in;
        for (Mutation m : mutations) {
            out = m.apply(out);
        }
        return out;
    }
}
