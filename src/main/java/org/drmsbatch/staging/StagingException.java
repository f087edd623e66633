package org.drmsbatch.staging;

/** A staging request that cannot be taken as it is: the message says what and where (the REST answer's text). */
public class StagingException extends RuntimeException {

    public StagingException(String message) {
        super(message);
    }
}
