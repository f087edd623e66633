package org.drmsbatch.jobs;

import org.drmsbatch.cluster.Cluster;
import org.drmsbatch.cluster.PartitionWorker;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.partition.Partitioner;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.task.SimpleAsyncTaskExecutor;

/**
 * The partitioned step of a job with a {@link PartitionWorker} (rescale, stage): its partitions run on as many
 * threads of this process, or, launched with {@code remote=true}, on the cluster's workers.
 */
public final class PartitionedStep {

    private PartitionedStep() {
    }

    /**
     * @param name        the partitioned step's name
     * @param partitioner splits the work; its partitions are {@code <worker step>:<partition name>}
     * @param partitions  how many (threads, or partitions sent)
     * @param remote      whether the partitions go to the cluster's workers
     */
    public static Step build(String name, JobRepository repository, Partitioner partitioner, int partitions,
            PartitionWorker worker, JobExecution execution, boolean remote, ObjectProvider<Cluster> cluster) {
        StepBuilder step = new StepBuilder(name, repository);
        if (remote) {
            Cluster c = cluster.getIfAvailable();
            if (c == null) {
                throw new IllegalStateException(Cluster.NOT_CONFIGURED);
            }
            return step.partitioner(worker.stepName(), partitioner)
                    .partitionHandler(c.partitionHandler(worker.stepName(), partitions))
                    .build();
        }
        SimpleAsyncTaskExecutor threads = new SimpleAsyncTaskExecutor(name + "-");
        threads.setConcurrencyLimit(partitions);
        return step.partitioner(worker.stepName(), partitioner)
                .step(worker.step(execution))
                .gridSize(partitions)
                .taskExecutor(threads)
                .build();
    }
}
