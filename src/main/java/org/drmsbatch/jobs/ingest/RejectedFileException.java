package org.drmsbatch.jobs.ingest;

/**
 * An inbox file that is not a FITS file the series can take: the reader has moved it to {@code <inbox>/rejected/}
 * with a {@code <name>.reason} text. Skippable: the ingest job counts it as a read skip and goes on.
 */
public class RejectedFileException extends RuntimeException {

    private final String file;

    public RejectedFileException(String file, String reason) {
        super("rejected " + file + ": " + reason);
        this.file = file;
    }

    public String file() {
        return file;
    }
}
