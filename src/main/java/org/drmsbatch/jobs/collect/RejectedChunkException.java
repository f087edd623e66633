package org.drmsbatch.jobs.collect;

/**
 * A buffered file that could not be read or parsed: the reader has moved it to {@code rejected/} with a
 * {@code .reason} file. Skippable: the collect job counts it as a read skip and goes on.
 */
public class RejectedChunkException extends RuntimeException {

    private final String file;

    public RejectedChunkException(String file, String reason, Throwable cause) {
        super("rejected " + file + ": " + reason, cause);
        this.file = file;
    }

    public String file() {
        return file;
    }
}
