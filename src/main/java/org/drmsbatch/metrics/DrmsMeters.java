package org.drmsbatch.metrics;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.drmsbatch.buffer.BufferState;
import org.drmsbatch.buffer.DataBuffer;
import org.drmsbatch.drms.query.SeriesCounts;
import org.drmsbatch.staging.Callbacks;
import org.drmsbatch.staging.StagingStore;
import org.drmsbatch.sums.Scrub;
import org.drmsbatch.sums.tape.TapeLibrary;

/**
 * The {@code drms_*} metrics: the library's own counters (the data buffer's, the tape library's, the staging
 * callbacks') read when scraped, and the catalog's numbers from the last {@link CatalogMeasurements measurement}.
 * The library knows nothing of Micrometer: this binds what it counts. Each metric is listed in the README (Metrics).
 */
public class DrmsMeters implements MeterBinder {

    private final CatalogMeasurements catalog;
    private final Function<Path, String> partitionName;
    private final DataBuffer buffer;
    private final TapeLibrary tape;
    private final Callbacks callbacks;
    private MultiGauge seriesRecords;
    private volatile Map<String, Long> seriesCounts = Map.of();
    private Set<String> registeredSeries = Set.of();

    /**
     * @param partitionName a partition's label value (its path as shown: relative to {@code drms.home})
     * @param buffer        null: no buffer metrics
     * @param tape          null: no tape library, no tape metrics
     * @param callbacks     null: no staging service, no callback counters
     */
    public DrmsMeters(CatalogMeasurements catalog, Function<Path, String> partitionName, DataBuffer buffer,
            TapeLibrary tape, Callbacks callbacks) {
        this.catalog = catalog;
        this.partitionName = partitionName;
        this.buffer = buffer;
        this.tape = tape;
        this.callbacks = callbacks;
    }

    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        if (buffer != null) {
            gauge(registry, "drms.buffer.bytes", "Bytes of the chunk files the data buffer holds", buffer,
                    b -> b.stats().bytes(), Tags.empty());
            gauge(registry, "drms.buffer.chunks", "Chunk files the data buffer holds", buffer,
                    b -> b.stats().files(), Tags.empty());
            gauge(registry, "drms.buffer.max.bytes", "The byte count at which POST /train freezes the buffer",
                    buffer, DataBuffer::maxSize, Tags.empty());
            gauge(registry, "drms.buffer.frozen", "1 while the data buffer is frozen (collecting refused), else 0",
                    buffer, b -> b.state() == BufferState.FROZEN ? 1 : 0, Tags.empty());
        }

        seriesRecords = MultiGauge.builder("drms.series.records")
                .description("Records of each series: exact for small tables, else PostgreSQL's estimate"
                        + " (drms.metrics.exact-count-below)")
                .register(registry);

        for (Path p : catalog.partitions()) {
            Tags tags = Tags.of("partition", partitionName.apply(p));
            gauge(registry, "drms.partition.used.bytes", "Bytes used on the SUMS partition (of its units with"
                    + " drms.sums.capacity, else of its file system)", p, q -> usage(q, Scrub.Usage::usedBytes), tags);
            gauge(registry, "drms.partition.capacity.bytes", "drms.sums.capacity, or the partition's file system"
                    + " size", p, q -> usage(q, Scrub.Usage::totalBytes), tags);
            gauge(registry, "drms.partition.free.bytes", "Room left on the SUMS partition", p,
                    q -> usage(q, Scrub.Usage::freeBytes), tags);
            gauge(registry, "drms.partition.use.percent", "Use of the SUMS partition in percent, as the scrub"
                    + " compares it with its watermarks", p, q -> usage(q, Scrub.Usage::percent), tags);
        }
        Scrub scrub = catalog.scrub();
        gauge(registry, "drms.scrub.high.water.percent", "drms.sums.high-water: the use above which the scrub"
                + " takes units off a partition", scrub, Scrub::highWater, Tags.empty());
        gauge(registry, "drms.scrub.low.water.percent", "drms.sums.low-water: the use the scrub goes down to",
                scrub, Scrub::lowWater, Tags.empty());

        for (String state : StagingStore.REQUEST_STATES) {
            gauge(registry, "drms.staging.requests", "Staging requests by state", catalog,
                    c -> c.last().stagingRequests().getOrDefault(state, 0L), Tags.of("state", state));
        }
        gauge(registry, "drms.staging.files.waiting", "Files of staging requests waiting for their unit to come"
                + " off tape", catalog, c -> c.last().waitingFiles(), Tags.empty());
        if (callbacks != null) {
            FunctionCounter.builder("drms.staging.callbacks.failed", callbacks, Callbacks::failed)
                    .description("Staging callbacks (MWA notify_url) that failed: refused, not HTTP 200 or no answer")
                    .register(registry);
            FunctionCounter.builder("drms.staging.callbacks.delivered", callbacks, Callbacks::delivered)
                    .description("Staging callbacks delivered (HTTP 200)").register(registry);
        }

        if (tape != null) {
            FunctionCounter.builder("drms.tape.mounts", tape, t -> t.counters().mounts())
                    .description("Volumes mounted in a drive of the tape library").register(registry);
            gauge(registry, "drms.tape.drives", "Drives of the tape library", tape, TapeLibrary::drives,
                    Tags.empty());
            gauge(registry, "drms.tape.drives.in.use", "Drives of the tape library reading or writing now", tape,
                    t -> t.driveStates().stream().filter(TapeLibrary.DriveState::inUse).count(), Tags.empty());
            gauge(registry, "drms.tape.queue.files", "Files waiting to be read off tape (staging requests' waiting"
                    + " files)", catalog, c -> c.last().waitingFiles(), Tags.empty());
        }

        gauge(registry, "drms.metrics.measured.timestamp.seconds", "When the catalog's numbers (series, staging,"
                + " partitions) were last measured, seconds since the epoch", catalog,
                c -> c.last().at() == null ? Double.NaN : c.last().at().toEpochMilli() / 1000.0, Tags.empty());
        update(catalog.last());
    }

    /**
     * Follows a new measurement. Each series' row reads its count from the latest measurement; the rows themselves
     * are registered again only when the set of series changed (a series created or deleted), so that a scrape never
     * meets a row being replaced.
     */
    public synchronized void update(CatalogMeasurements.Measurement m) {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (SeriesCounts.Count c : m.series()) {
            counts.put(c.series(), c.records());
        }
        seriesCounts = counts;
        MultiGauge gauge = seriesRecords;
        if (gauge == null || counts.keySet().equals(registeredSeries)) {
            return;
        }
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (String series : counts.keySet()) {
            rows.add(MultiGauge.Row.of(Tags.of("series", series), this, d -> {
                Long records = d.seriesCounts.get(series);
                return records == null ? Double.NaN : records;
            }));
        }
        gauge.register(rows, false);
        registeredSeries = Set.copyOf(counts.keySet());
    }

    private double usage(Path p, ToDoubleFunction<Scrub.Usage> f) {
        Map<Path, Scrub.Usage> use = catalog.last().partitions();
        Scrub.Usage u = use.get(p);
        return u == null ? Double.NaN : f.applyAsDouble(u);
    }

    private static <T> void gauge(MeterRegistry registry, String name, String description, T object,
            ToDoubleFunction<T> f, Tags tags) {
        Gauge.builder(name, object, f).description(description).tags(tags).strongReference(true).register(registry);
    }
}
