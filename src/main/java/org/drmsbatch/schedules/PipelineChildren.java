package org.drmsbatch.schedules;

import java.time.Duration;
import java.util.Map;

import org.drmsbatch.jobs.pipeline.ChildJobs;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;

/**
 * How a pipeline's steps run their jobs: through {@link JobControl} like every other launch (so a child execution a
 * dead process left running is recovered before its instance is started again), waiting for the end in the
 * pipeline's thread. A child takes a second job thread ({@code drms.jobs.threads}) while its pipeline waits.
 */
public class PipelineChildren implements ChildJobs {

    /** How long a pipeline step waits for its child job at most. */
    static final Duration LONGEST = Duration.ofDays(365);

    private final JobControl control;
    private final JobRepository repository;

    public PipelineChildren(JobControl control, JobRepository repository) {
        this.control = control;
        this.repository = repository;
    }

    @Override
    public boolean exists(String job) {
        return control.jobNames().contains(job);
    }

    @Override
    public boolean takes(String job, String parameter) {
        return control.takes(job, parameter);
    }

    @Override
    public JobExecution last(String job, Map<String, String> parameters) {
        return repository.getLastJobExecution(job, JobControl.parameters(parameters));
    }

    @Override
    public JobExecution run(String job, Map<String, String> parameters) throws InterruptedException {
        JobExecution launched = outsideTransaction(() -> control.launch(job, JobControl.parameters(parameters)));
        if (control.await(launched, LONGEST) == null) {
            throw new IllegalStateException("execution " + launched.getId() + " of job '" + job
                    + "' is still running after " + LONGEST);
        }
        return repository.getJobExecution(launched.getId());
    }

    /**
     * Runs {@code launch} on a thread of its own: a pipeline's step calls this inside its step's transaction, where
     * the job repository refuses to create an execution ("Existing transaction detected").
     */
    static JobExecution outsideTransaction(java.util.function.Supplier<JobExecution> launch)
            throws InterruptedException {
        java.util.concurrent.CompletableFuture<JobExecution> result = new java.util.concurrent.CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                result.complete(launch.get());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        }, "pipeline-launch");
        thread.start();
        try {
            return result.get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }
}
