package org.drmsbatch.jobs.collect;

/**
 * A chunk file the collect step listed when it started is no longer in the buffer when its turn comes: moved away
 * by something other than this job. Not skippable: the step fails naming the file rather than end COMPLETED
 * without it. A restart lists the buffer again and collects what is there. It has no cause: it is the reason itself
 * (the failure's root cause is what the execution's exit description shows first).
 */
public class MissingChunkException extends IllegalStateException {

    private final String file;

    public MissingChunkException(String file) {
        super("the chunk file " + file + " was in the data buffer when this collect step started but is gone from"
                + " its data/ directory now (moved away by something other than this job); the step stops here"
                + " rather than skip it: restart it to collect the chunks still in the buffer");
        this.file = file;
    }

    public String file() {
        return file;
    }
}
