package org.drmsbatch.jobs;

import org.drmsbatch.cluster.Cluster;
import org.drmsbatch.cluster.PartitionWorker;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.partition.Partitioner;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.task.SimpleAsyncTaskExecutor;

/**
 * The partitioned step of a job with a {@link PartitionWorker} (rescale, stage, collect): its partitions run on as
 * many threads of this process, or, launched with {@code remote=true}, on the cluster's workers. Also the parsing of
 * the parameters such jobs share, {@code partitions} and {@code remote}.
 */
public final class PartitionedStep {

    /** The most partitions a launch runs on threads of its own process. */
    public static final int MAX_PARTITIONS = 8;
    /** The most partitions a launch with {@code remote=true} sends to the cluster's workers. */
    public static final int MAX_REMOTE_PARTITIONS = 256;

    private PartitionedStep() {
    }

    /** {@code remote}: {@code true} or {@code false} (default false). */
    public static boolean remote(ParameterText p) {
        return p.flag("remote", false);
    }

    /**
     * {@code partitions}: 1..{@value #MAX_PARTITIONS} (threads), or with {@code remote} 1..{@value
     * #MAX_REMOTE_PARTITIONS} (default 1).
     */
    public static int partitions(ParameterText p, boolean remote) {
        return (int) p.integer("partitions", 1, 1, remote ? MAX_REMOTE_PARTITIONS : MAX_PARTITIONS);
    }

    /**
     * Refuses {@code remote=true} in a process without the cluster, before the job starts ({@link
     * Cluster#NOT_CONFIGURED}).
     */
    public static void requireCluster(boolean remote, boolean cluster) {
        if (remote && !cluster) {
            throw new IllegalArgumentException(Cluster.NOT_CONFIGURED);
        }
    }

    /**
     * @param name        the partitioned step's name
     * @param partitioner splits the work; its partitions are {@code <worker step>:<partition name>}
     * @param partitions  how many (threads, or partitions sent)
     * @param remote      whether the partitions go to the cluster's workers
     * @param listeners   listeners of the partitioned step itself (the manager's), e.g. one that holds a resource
     *                    from before the split until every partition has ended
     */
    public static Step build(String name, JobRepository repository, Partitioner partitioner, int partitions,
            PartitionWorker worker, JobExecution execution, boolean remote, ObjectProvider<Cluster> cluster,
            StepExecutionListener... listeners) {
        StepBuilder step = new StepBuilder(name, repository);
        for (StepExecutionListener l : listeners) {
            step.listener(l);
        }
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
