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
    private final Long executionId;

    public JobRequestException(Reason reason, String message) {
        this(reason, message, null, null);
    }

    public JobRequestException(Reason reason, String message, Throwable cause) {
        this(reason, message, cause, null);
    }

    /**
     * @param executionId the execution the request conflicts with (the one that runs, or that completed the job
     *     instance), so that a caller that retries a launch can wait for it or take its result; null when none
     */
    public JobRequestException(Reason reason, String message, Throwable cause, Long executionId) {
        super(message, cause);
        this.reason = reason;
        this.executionId = executionId;
    }

    public Reason reason() {
        return reason;
    }

    /** The execution the request conflicts with, or null: see the constructor. */
    public Long executionId() {
        return executionId;
    }
}
