package io.pymem4j.debug;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.runtime.PyMemRuntime;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.regex.Pattern;

import static io.pymem4j.debug.Fixture.PTR;
import static io.pymem4j.debug.Fixture.corruption;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The expectations of CPython's {@code Lib/test/test_capi/test_mem.py} (3.12+, section 4.5 of
 * the reference), as regular expressions over the whole report, on {@code malloc_debug}
 * with and without serial numbers.
 */
class CPythonTestMemTest {

    /** test_buffer_overflow, searched with DOTALL. */
    static final String BUFFER_OVERFLOW_REGEX =
            "Debug memory block at address p=" + PTR + ": API 'm'\n"
            + "    16 bytes originally requested\n"
            + "    The [0-9] pad bytes at p-[0-9] are FORBIDDENBYTE, as expected.\n"
            + "    The [0-9] pad bytes at tail=" + PTR + " are not all FORBIDDENBYTE \\(0x[0-9a-f]{2}\\):\n"
            + "        at tail\\+0: 0x78 \\*\\*\\* OUCH\n"
            + "        at tail\\+1: 0xfd\n"
            + "        at tail\\+2: 0xfd\n"
            + "        .*\n"
            + "(    The block was made by call #[0-9]+ to debug malloc/realloc.\n)?"
            + "    Data at p: cd cd cd .*\n"
            + "\n"
            + "Enable tracemalloc to get the memory block allocation traceback\n"
            + "\n"
            + "Fatal Python error: _PyMem_DebugRawFree: bad trailing pad byte";

    /** test_api_misuse, searched without DOTALL. */
    static final String API_MISUSE_REGEX =
            "Debug memory block at address p=" + PTR + ": API 'm'\n"
            + "    16 bytes originally requested\n"
            + "    The [0-9] pad bytes at p-[0-9] are FORBIDDENBYTE, as expected.\n"
            + "    The [0-9] pad bytes at tail=" + PTR + " are FORBIDDENBYTE, as expected.\n"
            + "(    The block was made by call #[0-9]+ to debug malloc/realloc.\n)?"
            + "    Data at p: cd cd cd .*\n"
            + "\n"
            + "Enable tracemalloc to get the memory block allocation traceback\n"
            + "\n"
            + "Fatal Python error: _PyMem_DebugRawFree: bad ID: Allocated using API 'm', verified using API 'r'\n";

    private static PyMemRuntime runtime(String serialno) {
        return PyMemRuntime.builder().allocator("malloc_debug").option(DebugConfig.SERIALNO, serialno).build();
    }

    /** {@code _testcapi.pymem_buffer_overflow()}: PyMem_Malloc(16), write 'x' at p[16], PyMem_Free. */
    @ParameterizedTest
    @ValueSource(strings = {"true", "false"})
    void bufferOverflowReportMatchesTestMem(String serialno) {
        PyMemAllocatorEx mem = runtime(serialno).getAllocator(PyMemAllocatorDomain.MEM);
        long p = mem.malloc(16);
        NativeMemory.putByte(p + 16, (byte) 'x');
        String report = corruption(() -> mem.free(p)).report();
        assertTrue(Pattern.compile(BUFFER_OVERFLOW_REGEX, Pattern.DOTALL).matcher(report).find(), report);
    }

    /** {@code _testcapi.pymem_api_misuse()}: PyMem_Malloc(16), then PyMem_RawFree. */
    @ParameterizedTest
    @ValueSource(strings = {"true", "false"})
    void apiMisuseReportMatchesTestMem(String serialno) {
        PyMemRuntime r = runtime(serialno);
        long p = r.getAllocator(PyMemAllocatorDomain.MEM).malloc(16);
        String report = corruption(() -> r.getAllocator(PyMemAllocatorDomain.RAW).free(p)).report();
        assertTrue(Pattern.compile(API_MISUSE_REGEX).matcher(report).find(), report);
    }
}
