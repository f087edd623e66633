package org.drmsbatch.cluster;

import org.drmsbatch.config.ClusterProperties;
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

    private final ClusterProperties properties;
    private final JobRepository repository;
    private final Workers workers;
    private final Broker broker;

    public Cluster(ClusterProperties properties, JobRepository repository, Workers workers, Broker broker) {
        this.properties = properties;
        this.repository = repository;
        this.workers = workers;
        this.broker = broker;
    }

    /** A handler for one execution of a partitioned step whose worker step is {@code workerStep}. */
    public PartitionHandler partitionHandler(String workerStep, int gridSize) {
        return new ClusterPartitionHandler(workerStep, gridSize, repository, workers, broker,
                properties.pollInterval(), properties.deadAfter(), properties.reassign());
    }

    public Workers workers() {
        return workers;
    }

    public ClusterProperties properties() {
        return properties;
    }
}
