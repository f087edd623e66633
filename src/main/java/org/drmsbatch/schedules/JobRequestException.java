package org.drmsbatch.schedules;

/**
 * A job request the caller can fix: an unknown job or execution, bad parameters, or a request that conflicts
 * with the execution's state (not restartable, still running, already complete). The REST API answers 404, 400
 * or 409; the command line exits with 1.
 */
public class JobRequestException extends RuntimeException {

    /** What is wrong with the request. */
    public enum Reason {
        /** No job or no execution of that name or id. */
        NOT_FOUND,
        /** The parameters cannot be converted or the job's validator refuses them. */
        INVALID,
        /** The execution's state does not allow it. */
        CONFLICT
    }

    private final Reason reason;

    public JobRequestException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public JobRequestException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
