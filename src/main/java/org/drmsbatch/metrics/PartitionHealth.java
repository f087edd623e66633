package org.drmsbatch.metrics;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;

import org.drmsbatch.sums.Scrub;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The health of each SUMS partition ({@code drms.partitions}), under {@code partitions} in
 * {@code /actuator/health}: DOWN when its free room is below {@code drms.health.min-free} (storage units can no
 * longer be written there: a size, or a percentage of its size or capacity), or when it cannot be measured (its
 * directory missing or unreadable); UP otherwise. The details say the use,
 * free and total bytes, the threshold, and whether the use is above the scrub's high water ({@code aboveHighWater}: a
 * scrub is due; that alone does not make it DOWN, since the scrub exists to bring it back). Measured at most every
 * {@code drms.metrics.interval} ({@link CatalogMeasurements}).
 */
public final class PartitionHealth {

    private PartitionHealth() {
    }

    /** One indicator per partition, named as the metrics name it. */
    /**
     * @param shown a message as shown to clients: paths under {@code drms.home} relative to it
     */
    public static CompositeHealthContributor of(CatalogMeasurements catalog, MinFree minFree,
            Function<Path, String> name, UnaryOperator<String> shown) {
        Map<String, HealthIndicator> each = new LinkedHashMap<>();
        for (Path p : catalog.partitions()) {
            each.put(name.apply(p), () -> health(catalog, p, minFree, shown));
        }
        return CompositeHealthContributor.fromMap(each);
    }

    static Health health(CatalogMeasurements catalog, Path partition, MinFree minFree, UnaryOperator<String> shown) {
        CatalogMeasurements.Measurement m = catalog.current();
        Scrub.Usage u = m.partitions().get(partition);
        if (u == null) {
            return Health.down().withDetail("reason", "cannot be measured: "
                    + (m.error() == null ? "not measured yet" : shown.apply(m.error()))).build();
        }
        long least = minFree.of(u.totalBytes());
        double high = catalog.scrub().highWater();
        Health.Builder b = u.freeBytes() < least ? Health.down().withDetail("reason", String.format(Locale.ROOT,
                "%d bytes free, below %s=%s (%d bytes)", u.freeBytes(), MinFree.PROPERTY, minFree, least))
                : Health.up();
        b.withDetail("usedBytes", u.usedBytes())
                .withDetail("totalBytes", u.totalBytes())
                .withDetail("freeBytes", u.freeBytes())
                .withDetail("minFreeBytes", least)
                .withDetail("usePercent", Math.round(u.percent() * 10) / 10.0)
                .withDetail("highWaterPercent", high)
                .withDetail("aboveHighWater", u.percent() > high)
                .withDetail("measured", m.at().toString());
        if (m.error() != null) {
            b.withDetail("error", shown.apply(m.error()));
        }
        return b.build();
    }
}
