package org.drmsbatch.sums;

/** A storage-unit operation that failed: no partition with room, a directory that cannot be made, ... */
public class StorageException extends RuntimeException {
    public StorageException(String message) {
        super(message);
    }

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
