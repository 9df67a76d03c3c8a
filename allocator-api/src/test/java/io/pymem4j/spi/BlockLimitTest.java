package io.pymem4j.spi;

import io.pymem4j.api.AllocatorSetupException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BlockLimitTest {

    @Test
    void bytesTakesDigitsWithAnOptionalBinarySuffixInAnyCase() {
        assertEquals(65_536, BlockLimit.bytes("65_536"));
        assertEquals(64L << 10, BlockLimit.bytes("64k"));
        assertEquals(3L << 20, BlockLimit.bytes(" 3M "));
        assertEquals(2L << 30, BlockLimit.bytes("2g"));
        assertEquals(1L << 40, BlockLimit.bytes("1T"));
        assertEquals(0, BlockLimit.bytes("0"));
    }

    @Test
    void bytesIsMinusOneForTextThatIsNoCountOrDoesNotFitALong() {
        assertEquals(-1, BlockLimit.bytes(""));
        assertEquals(-1, BlockLimit.bytes("k"));
        assertEquals(-1, BlockLimit.bytes("-1"));
        assertEquals(-1, BlockLimit.bytes("12 kb"));
        assertEquals(-1, BlockLimit.bytes("8388608t"));
    }

    @Test
    void parseRefusesZeroNamingTheOption() {
        AllocatorSetupException e = assertThrows(AllocatorSetupException.class, () -> BlockLimit.parse("0"));
        assertEquals("option max.block='0' is not valid: expected a count of bytes from 1 up, such as 1048576, 64m or 2g",
                e.getMessage());
    }
}
