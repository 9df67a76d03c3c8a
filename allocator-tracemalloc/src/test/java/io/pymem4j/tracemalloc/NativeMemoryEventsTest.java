package io.pymem4j.tracemalloc;

import io.pymem4j.runtime.PyMemRuntime;
import jdk.jfr.EventType;
import jdk.jfr.Recording;
import jdk.jfr.SettingDescriptor;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The JFR events of sampled allocations and frees, recorded to a file and read back. */
class NativeMemoryEventsTest {

    private static final long R = 4096;

    @TempDir
    Path dir;

    private PyMemRuntime rt;
    private Tracemalloc tm;

    @BeforeEach
    void startSampling() {
        rt = PyMemRuntime.create("malloc+tracemalloc");
        tm = Tracemalloc.of(rt);
        tm.start(1, R);
        tm.store.seedSampler(42);
    }

    @AfterEach
    void stop() {
        tm.stop();
    }

    /** Records 200 mallocs of 1000 bytes (43 sampled with seed 42) and the frees of the first 100. */
    private List<RecordedEvent> record(boolean enabled) throws IOException {
        return record(enabled ? "off" : null);
    }

    /** As {@link #record(boolean)}, the allocation event throttled as {@code throttle} says; null: none enabled. */
    private List<RecordedEvent> record(String throttle) throws IOException {
        Path file = dir.resolve("native.jfr");
        long[] blocks = new long[200];
        try (Recording r = new Recording()) {
            if (throttle != null) {
                r.enable(NativeAllocationEvent.NAME).with("throttle", throttle);
                r.enable(NativeFreeEvent.NAME);
            }
            r.start();
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = rt.rawMalloc(1000);
            }
            for (int i = 0; i < 100; i++) {
                rt.rawFree(blocks[i]);
            }
            r.stop();
            r.dump(file);
        } finally {
            for (int i = 100; i < blocks.length; i++) {
                rt.rawFree(blocks[i]);
            }
        }
        List<RecordedEvent> events = new ArrayList<>();
        for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
            String name = e.getEventType().getName();
            if (name.equals(NativeAllocationEvent.NAME) || name.equals(NativeFreeEvent.NAME)) {
                events.add(e);
            }
        }
        return events;
    }

    private static List<RecordedEvent> named(List<RecordedEvent> events, String name) {
        return events.stream().filter(e -> e.getEventType().getName().equals(name)).toList();
    }

    @Test
    void aRecordingThatEnablesThemGetsAnAllocationEventPerSampledBlock() throws IOException {
        List<RecordedEvent> allocations = named(record(true), NativeAllocationEvent.NAME);
        assertEquals(43, allocations.size());
        RecordedEvent first = allocations.get(0);
        assertEquals(1000, first.getLong("size"));
        assertEquals(4616, first.getLong("weight"));
        assertEquals(R, first.getLong("samplingInterval"));
        assertEquals("RAW", first.getString("domain"));
        assertTrue(first.getLong("address") != 0);
    }

    @Test
    void theAllocationEventCarriesTheJavaStackThatAllocated() throws IOException {
        RecordedEvent first = named(record(true), NativeAllocationEvent.NAME).get(0);
        List<String> methods = first.getStackTrace().getFrames().stream()
                .map(RecordedFrame::getMethod).map(m -> m.getType().getName() + "." + m.getName()).toList();
        assertTrue(methods.contains(NativeMemoryEventsTest.class.getName() + ".record"), methods.toString());
    }

    @Test
    void freesOfSampledBlocksPairWithTheirAllocationsByAddress() throws IOException {
        List<RecordedEvent> events = record(true);
        List<Long> allocated = named(events, NativeAllocationEvent.NAME).stream().map(e -> e.getLong("address")).toList();
        List<RecordedEvent> frees = named(events, NativeFreeEvent.NAME);
        // Blocks 0 to 99 were freed: the sampled ones among them are 1, 9, ... 98 (19 of the 43).
        assertEquals(19, frees.size());
        for (RecordedEvent f : frees) {
            assertTrue(allocated.contains(f.getLong("address")), "a free event without its allocation");
            assertNull(f.getStackTrace());
        }
    }

    @Test
    void theFreeOfABlockWhoseAllocationWasThrottledAwayIsNotRecorded() throws IOException {
        assertTrue(record("0/s").isEmpty());
    }

    @Test
    void aRecordingThatDoesNotEnableThemHasNone() throws IOException {
        assertTrue(record(false).isEmpty());
    }

    @Test
    void theAllocationEventIsOffAndThrottledByDefault() {
        EventType type = EventType.getEventType(NativeAllocationEvent.class);
        assertEquals(NativeAllocationEvent.NAME, type.getName());
        assertFalse(type.isEnabled());
        String throttle = type.getSettingDescriptors().stream().filter(d -> d.getName().equals("throttle"))
                .map(SettingDescriptor::getDefaultValue).findFirst().orElse(null);
        assertEquals("300/s", throttle);
    }

    @Test
    void anExactTracerEmitsNoEvents() throws IOException {
        tm.stop();
        tm.start(1);
        assertTrue(record(true).isEmpty());
    }
}
