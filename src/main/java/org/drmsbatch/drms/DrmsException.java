package org.drmsbatch.drms;

/** An error a user can cause (unknown series, bad keyword value, ...); the message says what and where. */
public class DrmsException extends RuntimeException {
    public DrmsException(String message) {
        super(message);
    }

    public DrmsException(String message, Throwable cause) {
        super(message, cause);
    }
}
