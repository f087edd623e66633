package org.drmsbatch.metrics;

import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.drmsbatch.buffer.DataBuffer;
import org.drmsbatch.config.DrmsProperties;
import org.drmsbatch.drms.query.SeriesCounts;
import org.drmsbatch.staging.StagingService;
import org.drmsbatch.staging.StagingStore;
import org.drmsbatch.sums.Scrub;
import org.drmsbatch.sums.tape.TapeLibrary;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Metrics and health of {@code drms serve} (Spring Boot Actuator, {@code /actuator/prometheus} and
 * {@code /actuator/health}): the {@code drms_*} meters ({@link DrmsMeters}), the partitions' health
 * ({@link PartitionHealth}), and the thread that measures the catalog every {@code drms.metrics.interval}
 * ({@link CatalogMeasurements}). Spring Batch's own {@code spring_batch_*} metrics need nothing here: Boot's
 * observation registry reaches the jobs and steps (BatchObservabilityBeanPostProcessor). The command line measures
 * nothing.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@EnableConfigurationProperties(MetricsProperties.class)
public class MetricsConfiguration {

    /**
     * The label of each partition in metrics and health: its directory's name ({@code SUM0}), or where two share a
     * name its path as shown ({@code sums/SUM0}, relative to {@code drms.home}) with '/' as '_'.
     */
    static Map<Path, String> partitionNames(DrmsProperties properties) {
        Map<String, Integer> seen = new HashMap<>();
        for (Path p : properties.partitions()) {
            seen.merge(String.valueOf(p.getFileName()), 1, Integer::sum);
        }
        Map<Path, String> out = new LinkedHashMap<>();
        for (Path p : properties.partitions()) {
            String name = String.valueOf(p.getFileName());
            out.put(p, seen.get(name) == 1 ? name : properties.shown(p).replace('/', '_'));
        }
        return out;
    }

    @Bean
    DrmsMeters drmsMeters(CatalogMeasurements catalog, DrmsProperties properties,
            ObjectProvider<DataBuffer> buffer, ObjectProvider<TapeLibrary> tape,
            ObjectProvider<StagingService> staging) {
        Map<Path, String> names = partitionNames(properties);
        StagingService service = staging.getIfAvailable();
        return new DrmsMeters(catalog, names::get, buffer.getIfAvailable(), tape.getIfAvailable(),
                service == null ? null : service.callbacks());
    }

    /** Measures the catalog every {@code drms.metrics.interval} on a daemon thread of its own (once ready). */
    @Bean(destroyMethod = "close")
    CatalogMeasurements catalogMeasurements(DataSource dataSource, Scrub scrub, DrmsProperties properties,
            MetricsProperties metrics, ObjectProvider<StagingStore> staging, ObjectProvider<DrmsMeters> meters) {
        CatalogMeasurements catalog = new CatalogMeasurements(new SeriesCounts(dataSource,
                metrics.exactCountBelow().toBytes()), staging.getIfAvailable(), scrub,
                List.copyOf(properties.partitions()), metrics.interval(), Clock.systemUTC(),
                m -> meters.ifAvailable(d -> d.update(m)));
        return catalog;
    }

    /**
     * Starts the measurements once the application is ready: after the start-up runners, which claim the partitions
     * (their directories may not exist before).
     */
    @Bean
    ApplicationListener<ApplicationReadyEvent> catalogMeasurementsStart(CatalogMeasurements catalog) {
        return event -> catalog.start();
    }

    /** {@code partitions} in {@code /actuator/health}: one component per partition. */
    @Bean
    CompositeHealthContributor partitionsHealthContributor(CatalogMeasurements catalog, DrmsProperties properties,
            @Value("${" + MinFree.PROPERTY + ":1GB}") String minFree) {
        return PartitionHealth.of(catalog, MinFree.parse(minFree), partitionNames(properties)::get,
                properties::relative);
    }
}
