package org.drmsbatch.jobs;

import org.drmsbatch.cluster.Cluster;

/**
 * The {@code partitions} and {@code remote} parameters of a partitioned job (rescale, export, collect), parsed the
 * same way for each: {@code partitions} ranges run on as many threads of this process (1..{@value #MAX_LOCAL}, default 1),
 * or, with {@code remote=true}, sent to the cluster's workers (1..{@value #MAX_REMOTE}).
 *
 * @param count  how many partitions
 * @param remote whether they go to the cluster's workers ({@code drms.cluster.*}, README "Cluster")
 */
public record Partitions(int count, boolean remote) {

    /** The most partitions run on threads of this process. */
    public static final int MAX_LOCAL = 8;
    /** The most partitions a launch with {@code remote=true} sends to the cluster's workers. */
    public static final int MAX_REMOTE = 256;

    /**
     * Reads {@code remote} (true or false, default false) and {@code partitions} (a whole number within the limit
     * for {@code remote}, default 1); each problem is an {@link IllegalArgumentException} naming the parameter.
     */
    public static Partitions parse(ParameterText p) {
        boolean remote = p.flag("remote", false);
        int count = (int) p.integer("partitions", 1, 1, remote ? MAX_REMOTE : MAX_LOCAL);
        return new Partitions(count, remote);
    }

    /**
     * Refuses {@code remote=true} in a process without the cluster ({@link Cluster#NOT_CONFIGURED}), before the job
     * starts; also for a job whose partitions are not counted by a parameter (stage: one per drive).
     */
    public static void requireCluster(boolean remote, boolean cluster) {
        if (remote && !cluster) {
            throw new IllegalArgumentException(Cluster.NOT_CONFIGURED);
        }
    }
}
