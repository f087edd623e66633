package org.drmsbatch.metrics;

import java.time.Duration;

import org.drmsbatch.drms.query.SeriesCounts;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * {@code drms.metrics.*}: how often the numbers read from the catalog are measured (see {@code application.yaml}).
 *
 * @param interval        how often the catalog's numbers (records per series, staging requests, partition use) are
 *                        measured again; scrapes and health checks in between take the last measurement
 * @param exactCountBelow series tables smaller than this on disk are counted exactly, larger ones estimated
 *                        ({@link SeriesCounts})
 */
@ConfigurationProperties(prefix = "drms.metrics")
public record MetricsProperties(Duration interval, DataSize exactCountBelow) {

    public MetricsProperties {
        if (interval == null) {
            interval = Duration.ofSeconds(30);
        }
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("drms.metrics.interval: must be positive, not " + interval);
        }
        if (exactCountBelow == null) {
            exactCountBelow = DataSize.ofBytes(SeriesCounts.DEFAULT_EXACT_BELOW_BYTES);
        }
    }
}
