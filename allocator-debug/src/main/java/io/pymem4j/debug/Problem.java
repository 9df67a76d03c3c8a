package io.pymem4j.debug;

/**
 * What a check found. The first three are CPython's ({@code _PyMem_DebugCheckAddress}, in
 * its order); the others are what this layer catches beyond it.
 *
 * @since 0.1
 */
public enum Problem {
    /** The API id byte is not the domain's: a block freed through another domain, or byte p-8 overwritten. */
    BAD_ID,
    /** One of the S-1 pads before the data was overwritten (a buffer underflow). */
    BAD_LEADING_PAD,
    /** The size field differs from the size the block was made with (an underflow past the pads). */
    BAD_SIZE,
    /** One of the S pads after the data was overwritten (a buffer overflow). */
    BAD_TRAILING_PAD,
    /** The serial number differs from the block's (an overflow past the trailing pads). */
    BAD_SERIAL,
    /** {@code free} of a block that was already freed (or moved by realloc). */
    DOUBLE_FREE,
    /** {@code realloc} of a block that was already freed (or moved by realloc). */
    USE_AFTER_FREE,
    /** A block in quarantine was written after it was freed. */
    WRITE_AFTER_FREE,
    /** A pointer into a live block, but not its start. */
    INTERIOR_POINTER,
    /** A pointer that is not a live block of this layer (never made by it, or leaked after a report). */
    NOT_LIVE,
    /** A MEM or OBJ call in GIL mode from a thread that does not hold the interpreter lock (CPython's check). */
    NO_GIL
}
