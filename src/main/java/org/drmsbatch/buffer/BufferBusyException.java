package org.drmsbatch.buffer;

import java.util.List;

/**
 * A snapshot was asked for while the buffer is held ({@link DataBuffer#hold}): something is reading its chunk files
 * in place (a collect), and a snapshot would move them away under it. Nothing was changed. The message and
 * {@link #holders()} name who holds it.
 */
public class BufferBusyException extends IllegalStateException {

    private final List<String> holders;

    public BufferBusyException(String message, List<String> holders) {
        super(message);
        this.holders = List.copyOf(holders);
    }

    /** Who holds the buffer, as they named themselves (e.g. {@code collect execution 42}). */
    public List<String> holders() {
        return holders;
    }
}
