package org.drmsbatch.jobs.collect;

import java.util.List;

import org.drmsbatch.drms.DrmsException;
import org.drmsbatch.drms.SeriesCatalog;
import org.drmsbatch.drms.time.DrmsTime;
import org.drmsbatch.jobs.ParameterNames;
import org.drmsbatch.jobs.ParameterText;
import org.drmsbatch.jobs.ParsedParameters;

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
 */
public record CollectParameters(String run, String detector, String series, double epoch, int chunkSize) {

    static final ParameterNames NAMES = ParameterNames.of(List.of("run"),
            List.of("detector", "series", "epoch", "chunkSize"));

    /** The job's validator and the parsed parameters of each launch. */
    static ParsedParameters<CollectParameters> parser() {
        return new ParsedParameters<>(NAMES, CollectParameters::parse);
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
        return new CollectParameters(p.get("run"), p.get("detector", "H1").trim(), series, epoch,
                (int) p.integer("chunkSize", 100, 1, 100_000));
    }
}
