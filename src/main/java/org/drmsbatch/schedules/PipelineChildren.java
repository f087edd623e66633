package org.drmsbatch.schedules;

import java.time.Duration;
import java.util.Map;

import org.drmsbatch.jobs.pipeline.ChildJobs;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;

/**
 * How a pipeline's steps run their jobs: through {@link JobControl} like every other launch (so a child execution a
 * dead process left running is recovered before its instance is started again), waiting for the end in the
 * pipeline's thread. A child runs on a thread of its own beside its pipeline's ({@link JobThreads}): a pipeline and its
 * step's job take one of the {@code drms.jobs.threads}.
 */
public class PipelineChildren implements ChildJobs {

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
    public JobExecution start(String job, Map<String, String> parameters) throws InterruptedException {
        return outsideTransaction(() -> JobThreads.asPipelineStep(
                () -> control.launch(job, JobControl.parameters(parameters))));
    }

    @Override
    public JobExecution await(JobExecution execution, Duration timeout) throws InterruptedException {
        return control.await(execution, timeout) == null ? null : repository.getJobExecution(execution.getId());
    }

    /**
     * Asks on a thread of its own: in the pipeline's thread the job scope is the pipeline's, where Spring Batch's stop
     * would look at the child's job-scoped steps with the pipeline's parameters.
     */
    @Override
    public void stop(long executionId) {
        Thread thread = new Thread(() -> {
            try {
                control.stop(executionId);
            } catch (JobRequestException e) {
                // it ended meanwhile, or its process died (then the pipeline's wait ends with it): nothing to stop
            }
        }, "pipeline-stop");
        thread.start();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public JobExecution stored(long executionId) {
        return repository.getJobExecution(executionId);
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
