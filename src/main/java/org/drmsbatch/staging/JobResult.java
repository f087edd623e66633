package org.drmsbatch.staging;

/**
 * The result MWA posts to a request's {@code notify_url} (specs staging-and-buffer.md A.7, A.8): its return code and
 * comment are computed from the counts as kafkad computes them.
 */
public record JobResult(long job_id, int return_code, int total_files, int ready_files, int error_files,
                        String comment) {

    public static final int JOB_SUCCESS = 0;
    public static final int JOB_FILE_ERRORS = 5;
    public static final int JOB_TIMEOUT = 10;
    public static final int JOB_FILE_LOOKUP_FAILED = 100;
    public static final int JOB_NO_FILES = 101;
    public static final int JOB_CREATION_EXCEPTION = 199;

    /**
     * The result of a request with these counts: 0 all ready, 5 all ready or in error, else 10 (it can only be
     * reported so at its expiry, after {@code expirySeconds}). An expired request that had finished still reports 0
     * or 5, as MWA's does.
     */
    public static JobResult of(long jobId, int total, int ready, int error, long expirySeconds) {
        if (total == 0) {
            return noFiles(jobId);
        }
        if (ready == total) {
            return new JobResult(jobId, JOB_SUCCESS, total, ready, error,
                    "All " + total + " files staged successfully");
        }
        if (ready + error == total) {
            return new JobResult(jobId, JOB_FILE_ERRORS, total, ready, error, "Out of " + total
                    + " files in total, " + ready + " were staged successfully, but " + error + " files had errors");
        }
        return new JobResult(jobId, JOB_TIMEOUT, total, ready, error, "Job timed out after " + expirySeconds
                + " seconds. Out of " + total + " files in total, " + ready + " staged successfully, and " + error
                + " files had errors");
    }

    /** A request that named no file (MWA's 101: the query found none), with MWA's comment. */
    public static JobResult noFiles(long jobId) {
        return new JobResult(jobId, JOB_NO_FILES, 0, 0, 0, "No files to stage.");
    }
}
