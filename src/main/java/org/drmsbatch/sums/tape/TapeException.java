package org.drmsbatch.sums.tape;

import org.drmsbatch.sums.StorageException;

/** A tape operation failed: a volume that cannot be read or written, a checksum that does not match. */
public class TapeException extends StorageException {

    public TapeException(String message) {
        super(message);
    }

    public TapeException(String message, Throwable cause) {
        super(message, cause);
    }
}
