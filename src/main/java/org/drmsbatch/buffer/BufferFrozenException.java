package org.drmsbatch.buffer;

/** A chunk offered while the buffer is FROZEN: nothing was stored. */
public class BufferFrozenException extends IllegalStateException {

    public BufferFrozenException(String message) {
        super(message);
    }
}
