package org.drmsbatch.jobs.pipeline;

import java.time.Duration;
import java.util.Map;

import org.springframework.batch.core.job.JobExecution;

/**
 * How a pipeline runs the jobs of its steps: implemented over the application's job control (which recovers an
 * execution a dead process left running before it starts the instance again), kept behind this interface so that the
 * job packages do not depend on the faces.
 */
public interface ChildJobs {

    /** Whether a job of that name exists. */
    boolean exists(String job);

    /** Whether the job takes a parameter of that name. */
    boolean takes(String job, String parameter);

    /**
     * The last execution (as stored, with its ExecutionContext) of the job instance these parameters identify
     * ({@code name=value[,type[,identifying]]} text), or null when there is none.
     */
    JobExecution last(String job, Map<String, String> parameters);

    /**
     * Starts the job instance these parameters identify (a FAILED or STOPPED one is restarted, resuming after its
     * last committed chunk; one left running by a dead process is recovered first).
     *
     * @return the live execution the job runs on
     */
    JobExecution start(String job, Map<String, String> parameters) throws InterruptedException;

    /**
     * Waits at most {@code timeout} for the end of an execution {@link #start} returned.
     *
     * @return the ended execution as stored, with its ExecutionContext; null while it still runs
     */
    JobExecution await(JobExecution execution, Duration timeout) throws InterruptedException;

    /** Asks a running execution to stop at its next chunk boundary; nothing when it has ended. */
    void stop(long executionId);

    /** The execution as stored now (its status), or null when there is none. */
    JobExecution stored(long executionId);
}
