package org.drmsbatch.cluster;

/** The cluster could not do what a job asked of it (the broker is away, every worker refuses, a worker died). */
public class ClusterException extends RuntimeException {

    public ClusterException(String message) {
        super(message);
    }

    public ClusterException(String message, Throwable cause) {
        super(message, cause);
    }
}
