package org.drmsbatch.jobs.rescale;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsException;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.SegmentDef;
import org.drmsbatch.drms.SeriesDefinition;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.segments.Rescale;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemProcessor;
import org.springframework.batch.infrastructure.item.ItemStream;

/**
 * Reads the segments to rescale of a record and rescales them for the output series' segments ({@link Rescale}):
 * y = alpha&middot;x + beta, with the statistics of the first. The work runs on a reading thread of the
 * processor's own, ahead of {@link RescaledCloneWriter}, which writes the clone of one record while the next
 * record's segments are read and rescaled; at most {@value #LOOK_AHEAD} records' arrays are held at once. A segment
 * that is a link is read on the writer's thread instead, in the chunk's session.
 */
public class RescaleProcessor implements ItemProcessor<Record, RescaledRecord>, ItemStream {

    /** Records whose rescaled segments may be held at once: the one being written and the next. */
    static final int LOOK_AHEAD = 2;

    /** The reading and rescaling of one record's segments. */
    @FunctionalInterface
    interface Work {
        Rescale.Result[] apply(Record source);
    }

    private final Drms drms;
    private final String output;
    private final List<String> segments;
    private final Rescale rescale;
    private final Semaphore lookAhead = new Semaphore(LOOK_AHEAD);
    private List<SegmentDef> targets;
    private ExecutorService reading;

    public RescaleProcessor(Drms drms, String output, List<String> segments, Rescale rescale) {
        if (segments.isEmpty()) {
            throw new IllegalArgumentException("no segment to rescale");
        }
        this.drms = drms;
        this.output = output;
        this.segments = List.copyOf(segments);
        this.rescale = rescale;
    }

    @Override
    public RescaledRecord process(Record source) {
        List<SegmentDef> to = targets();
        Work work = r -> rescaled(r, to);
        boolean links = segments.stream().anyMatch(
                seg -> source.series().segment(seg).map(SegmentDef::isLink).orElse(false));
        if (links) {
            return RescaledRecord.whenAsked(source, work);
        }
        if (reading == null) {
            reading = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "rescale-read-" + output);
                t.setDaemon(true);
                return t;
            });
        }
        return RescaledRecord.ahead(source, work, lookAhead, reading);
    }

    /** The output series' segments, in the order of the job's segments (the series exists once the step runs). */
    private List<SegmentDef> targets() {
        if (targets == null) {
            SeriesDefinition out = drms.describeSeries(output);
            List<SegmentDef> defs = new ArrayList<>(segments.size());
            for (String seg : segments) {
                defs.add(out.segment(seg).orElseThrow(() -> new DrmsException(
                        "Series '" + output + "' has no segment '" + seg + "'")));
            }
            targets = defs;
        }
        return targets;
    }

    /** The rescaled segments of a source record. */
    private Rescale.Result[] rescaled(Record source, List<SegmentDef> to) {
        Rescale.Result[] results = new Rescale.Result[segments.size()];
        for (int i = 0; i < results.length; i++) {
            String seg = segments.get(i);
            SegmentArray x = source.read(seg, null);
            try {
                results[i] = rescale.apply(x, to.get(i).layout());
            } catch (IllegalArgumentException e) {
                throw new DrmsException("Cannot rescale segment '" + seg + "' of " + source + ": "
                        + e.getMessage(), e);
            }
        }
        return results;
    }

    @Override
    public void open(ExecutionContext context) {
        targets = null;
    }

    @Override
    public void close() {
        if (reading != null) {
            reading.shutdownNow();
            reading = null;
        }
    }
}
