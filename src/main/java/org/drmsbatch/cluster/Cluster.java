package org.drmsbatch.cluster;

import java.time.Duration;

import org.springframework.batch.core.partition.PartitionHandler;
import org.springframework.batch.core.repository.JobRepository;

/**
 * The cluster as a partitioned job sees it (a bean only when {@code drms.cluster.enabled}): the partition handler that
 * sends a step's partitions to the workers. A job launched with {@code remote=true} uses it instead of its threads.
 */
public class Cluster {

    /** Why a launch with {@code remote=true} is refused in a process without the cluster. */
    public static final String NOT_CONFIGURED = "remote=true sends the partitions to the cluster's workers, and this "
            + "process has no cluster: set drms.cluster.enabled=true and drms.cluster.broker-url (README \"Cluster\")";

    private final JobRepository repository;
    private final Workers workers;
    private final Broker broker;
    private final Duration pollInterval;
    private final Duration deadAfter;
    private final boolean reassign;

    /**
     * @param pollInterval how often a manager reads its partitions' state ({@code drms.cluster.poll-interval})
     * @param deadAfter    a worker silent for longer is dead ({@code drms.cluster.dead-after})
     * @param reassign     whether a dead worker's or a refused partition is sent again ({@code drms.cluster.reassign})
     */
    public Cluster(JobRepository repository, Workers workers, Broker broker, Duration pollInterval, Duration deadAfter,
            boolean reassign) {
        this.repository = repository;
        this.workers = workers;
        this.broker = broker;
        this.pollInterval = pollInterval;
        this.deadAfter = deadAfter;
        this.reassign = reassign;
    }

    /** A handler for one execution of a partitioned step whose worker step is {@code workerStep}. */
    public PartitionHandler partitionHandler(String workerStep, int gridSize) {
        return new ClusterPartitionHandler(workerStep, gridSize, repository, workers, broker, pollInterval, deadAfter,
                reassign);
    }
}
