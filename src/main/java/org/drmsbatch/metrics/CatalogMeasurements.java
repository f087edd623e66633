package org.drmsbatch.metrics;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.drmsbatch.drms.query.SeriesCounts;
import org.drmsbatch.staging.StagingStore;
import org.drmsbatch.sums.Scrub;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The numbers the metrics and the partitions' health read from the catalog, measured together at most every
 * {@code drms.metrics.interval} and kept: a scrape or a health check in between reads the last measurement, so
 * neither runs a query of the catalog per request (records per series, staging requests by state, the files waiting
 * for the tape, each partition's use). A measurement that fails (the database away) keeps the last one and is logged;
 * {@link Measurement#error()} says why.
 */
public class CatalogMeasurements implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CatalogMeasurements.class);

    /** One measurement: when, and what (empty maps before the first one succeeded). */
    public record Measurement(Instant at, List<SeriesCounts.Count> series, Map<String, Long> stagingRequests,
                              long waitingFiles, Map<Path, Scrub.Usage> partitions, String error) {

        static final Measurement NONE = new Measurement(null, List.of(), Map.of(), 0, Map.of(), null);
    }

    private final SeriesCounts seriesCounts;
    private final StagingStore staging;
    private final Scrub scrub;
    private final List<Path> partitions;
    private final Duration interval;
    private final Clock clock;
    private final Consumer<Measurement> listener;
    private volatile Measurement last = Measurement.NONE;
    private volatile ScheduledExecutorService thread;

    /**
     * @param staging  null: no staging numbers
     * @param listener told of each new measurement (the per-series gauges follow the series that exist)
     */
    public CatalogMeasurements(SeriesCounts seriesCounts, StagingStore staging, Scrub scrub, List<Path> partitions,
            Duration interval, Clock clock, Consumer<Measurement> listener) {
        this.seriesCounts = seriesCounts;
        this.staging = staging;
        this.scrub = scrub;
        this.partitions = List.copyOf(partitions);
        this.interval = interval;
        this.clock = clock;
        this.listener = listener;
    }

    /** Measures now and then every interval, on a daemon thread of its own ({@code drms-metrics}). */
    public synchronized void start() {
        if (thread == null) {
            thread = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "drms-metrics");
                t.setDaemon(true);
                return t;
            });
            thread.scheduleWithFixedDelay(this::measure, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void close() {
        ScheduledExecutorService t = thread;
        if (t != null) {
            t.shutdownNow();
        }
    }

    public List<Path> partitions() {
        return partitions;
    }

    public Scrub scrub() {
        return scrub;
    }

    /** The last measurement, whatever its age (NONE before the first). */
    public Measurement last() {
        return last;
    }

    /** The last measurement if younger than the interval, else a new one. */
    public synchronized Measurement current() {
        Measurement m = last;
        if (m.at() == null || !m.at().plus(interval).isAfter(clock.instant())) {
            return measure();
        }
        return m;
    }

    /**
     * Measures now. Each part on its own: a partition that cannot be measured (missing, unreadable) is left out of
     * {@link Measurement#partitions()}; series or staging counts that cannot be read keep their last values. Either
     * way {@link Measurement#error()} says why, and the log says it once until it changes.
     */
    public synchronized Measurement measure() {
        Instant at = clock.instant();
        Measurement before = last;
        List<String> errors = new ArrayList<>();
        Map<Path, Scrub.Usage> use = new LinkedHashMap<>();
        for (Path p : partitions) {
            try {
                use.put(p, scrub.usage(p));
            } catch (RuntimeException e) {
                errors.add(message(e));
            }
        }
        List<SeriesCounts.Count> series = before.series();
        try {
            series = seriesCounts.counts();
        } catch (RuntimeException e) {
            errors.add(message(e));
        }
        Map<String, Long> requests = before.stagingRequests();
        long waiting = before.waitingFiles();
        if (staging != null) {
            try {
                requests = staging.requestsByState();
                waiting = staging.waitingFiles();
            } catch (RuntimeException e) {
                errors.add(message(e));
            }
        }
        String error = errors.isEmpty() ? null : String.join("; ", errors);
        if (error != null && !error.equals(before.error())) {
            log.warn("Cannot measure the catalog for metrics and health: {}", error);
        }
        Measurement m = new Measurement(at, series, requests, waiting, use, error);
        last = m;
        listener.accept(m);
        return m;
    }

    private static String message(RuntimeException e) {
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }
}
