package org.drmsbatch.jobs.collect;

import java.util.List;

import org.drmsbatch.drms.DrmsException;
import org.drmsbatch.drms.SeriesCatalog;
import org.drmsbatch.drms.time.DrmsTime;
import org.drmsbatch.jobs.ParameterNames;
import org.drmsbatch.jobs.ParameterText;
import org.drmsbatch.jobs.ParsedParameters;
import org.drmsbatch.jobs.Partitions;

/**
 * The parameters of a {@code collect} run, parsed and checked once per launch.
 *
 * @param run       identifying: names the run; a launch through JobControl without it gets a fresh value (giving it
 *                  makes a launch idempotent)
 * @param detector  the detector the chunks come from (default H1)
 * @param series    the strain series written (default {@value CollectJobConfiguration#DEFAULT_SERIES})
 * @param epoch     the DRMS time (TAI seconds since 1977.01.01) chunks' t0 counts from (default the GPS epoch
 *                  {@value CollectJobConfiguration#GPS_EPOCH}: t0 in GPS seconds)
 * @param chunkSize records per commit (default 100)
 * @param partitions slices of the buffer's files run on as many threads (1..{@value
 *                   Partitions#MAX_LOCAL}, default 1: one step reading them all), or with {@code remote}
 *                   sent to the cluster's workers (1..{@value Partitions#MAX_REMOTE})
 * @param remote     whether the partitions go to the cluster's workers ({@code drms.cluster.*}, README "Cluster"),
 *                   which share the buffer's directory, rather than to threads of this process (default false)
 */
public record CollectParameters(String run, String detector, String series, double epoch, int chunkSize,
                                int partitions, boolean remote) {

    static final ParameterNames NAMES = ParameterNames.of(List.of("run"),
            List.of("detector", "series", "epoch", "chunkSize", "partitions", "remote"));

    /** Whether the files are read in slices by partitions rather than by one step. */
    boolean partitioned() {
        return partitions > 1 || remote;
    }

    /** The job's validator and the parsed parameters of each launch; {@code cluster}: whether this process has one. */
    static ParsedParameters<CollectParameters> parser(boolean cluster) {
        return new ParsedParameters<>(NAMES, p -> {
            CollectParameters parsed = parse(p);
            Partitions.requireCluster(parsed.remote(), cluster);
            return parsed;
        });
    }

    static CollectParameters parse(ParameterText p) {
        String epochText = p.get("epoch", CollectJobConfiguration.GPS_EPOCH);
        double epoch;
        try {
            epoch = DrmsTime.parse(epochText);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("epoch '" + epochText + "' is not a DRMS time: " + e.getMessage(), e);
        }
        String series = p.get("series", CollectJobConfiguration.DEFAULT_SERIES).trim();
        try {
            SeriesCatalog.checkSeriesName(series);
        } catch (DrmsException e) {
            throw new IllegalArgumentException("series: " + e.getMessage(), e);
        }
        int chunkSize = (int) p.integer("chunkSize", 100, 1, 100_000);
        Partitions partitions = Partitions.parse(p);
        return new CollectParameters(p.get("run"), p.get("detector", "H1").trim(), series, epoch, chunkSize,
                partitions.count(), partitions.remote());
    }
}
