package org.drmsbatch.cluster;

import java.util.function.Function;

import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.step.Step;

/**
 * The worker step of a partitioned job, as a bean both sides build it from: the job's own process runs it on its
 * threads, a worker ({@code drms worker}) runs it for the partitions it takes from the queue. One per partitioned job
 * (rescale, stage); the manager sends only the step's name, and the worker finds the bean by it.
 */
public interface PartitionWorker {

    /** The worker step's name, e.g. {@code rescaleWorker} (its partitions are {@code rescaleWorker:partition0}, ...). */
    String stepName();

    /** A new worker step for a partition of this job execution (its parameters set the chunk size and the rest). */
    Step step(JobExecution job);

    /** The worker step {@code stepName}, built for a job execution by {@code build}. */
    static PartitionWorker of(String stepName, Function<JobExecution, Step> build) {
        return new PartitionWorker() {
            @Override
            public String stepName() {
                return stepName;
            }

            @Override
            public Step step(JobExecution job) {
                return build.apply(job);
            }
        };
    }
}
