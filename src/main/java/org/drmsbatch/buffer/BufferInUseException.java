package org.drmsbatch.buffer;

/**
 * The data buffer is open in another process (one process owns a buffer: it keeps the counters). The message names
 * that process, as written in the buffer's {@code .lock} file.
 */
public class BufferInUseException extends IllegalStateException {

    public BufferInUseException(String message) {
        super(message);
    }
}
