package org.drmsbatch.jobs.rescale;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsException;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.LinkDef;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.SegmentDef;
import org.drmsbatch.drms.SeriesDefinition;
import org.drmsbatch.segments.Rescale;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.drms.types.WrittenSegment;
import org.drmsbatch.sums.Sums;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamWriter;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Writes, in the DRMS session of the chunk's transaction, one clone per record of the chunk into the output
 * series: keywords and links as DRMS clones them, the segments that are not rescaled copied into the clone's own
 * storage-unit slot, the rescaled segments written there as y = alpha&middot;x + beta ({@link Rescale}), and
 * DATAMIN, DATAMAX, DATAMEAN, DATARMS (those the series has) recomputed from the first rescaled segment. The clone
 * names its source: {@value #SOURCE_SERIES}, {@value #SOURCE_RECNUM}, {@value #HISTORY}, any static link to the
 * source's series, and {@value #JOB_EXECUTION}, the job execution that made it (each when the series has it).
 *
 * <p>The chunk commit is the session's commit: the clones' rows and files become visible together; a failure
 * anywhere in the chunk rolls both back (the session deletes the slots it allocated).
 *
 * <p>Within a chunk the work is pipelined: while a clone is made and its rescaled files are written (in the
 * chunk's session, on the step's thread), the next record's segments are read and rescaled on a reading thread of
 * the writer's own; each written file is handed to {@link Sums#startSync} so that it is on its way to disk before
 * the commit syncs the unit. A segment of the source that is a link is read on the step's thread.
 *
 * <p>Counts kept in the step ExecutionContext: {@value #OUT_OF_RANGE} (values that did not fit the output type and
 * became MISSING) and {@value #VALUES} (values rescaled), committed with their chunk.
 */
public class RescaledCloneWriter implements ItemStreamWriter<Record> {

    public static final String SOURCE_SERIES = "SRC_SERIES";
    public static final String SOURCE_RECNUM = "SRC_RECNUM";
    public static final String JOB_EXECUTION = "JOB_EXEC";
    public static final String HISTORY = "HISTORY";
    public static final List<String> STATISTICS = List.of("DATAMIN", "DATAMAX", "DATAMEAN", "DATARMS");
    public static final String OUT_OF_RANGE = "rescale.outOfRange";
    public static final String VALUES = "rescale.values";

    private final Drms drms;
    private final String output;
    private final List<String> segments;
    private final Rescale rescale;
    private final long jobExecutionId;
    private final long failAt;
    private final long delayMillis;

    private long outOfRange;
    private long values;
    private long written;
    /** The thread that reads and rescales the next record while a clone is written; made on first use. */
    private ExecutorService reading;

    /**
     * @param failAt      for tests: the record of this step execution (1-based) whose clone fails after its
     *                    rescaled file was written; 0 for never
     * @param delayMillis for tests: a pause per record, so that a test can kill a running job
     */
    public RescaledCloneWriter(Drms drms, String output, List<String> segments, Rescale rescale, long jobExecutionId,
            long failAt, long delayMillis) {
        if (segments.isEmpty()) {
            throw new IllegalArgumentException("no segment to rescale");
        }
        this.drms = drms;
        this.output = output;
        this.segments = List.copyOf(segments);
        this.rescale = rescale;
        this.jobExecutionId = jobExecutionId;
        this.failAt = failAt;
        this.delayMillis = delayMillis;
    }

    @Override
    public void write(Chunk<? extends Record> chunk) throws InterruptedException {
        if (chunk.isEmpty()) {
            return;
        }
        DrmsSession s = drms.session();
        SeriesDefinition out = s.definition(output);
        List<SegmentDef> targets = new ArrayList<>(segments.size());
        for (String seg : segments) {
            targets.add(out.segment(seg).orElseThrow(() -> new DrmsException(
                    "Series '" + output + "' has no segment '" + seg + "'")));
        }
        List<? extends Record> sources = chunk.getItems();
        List<Record> clones = new ArrayList<>(chunk.size());
        long chunkOutOfRange = 0;
        long chunkValues = 0;
        // the next record's segments are read and rescaled on the reading thread while this one's are written
        Future<Rescale.Result[]> current = null;
        Future<Rescale.Result[]> next = rescaleAhead(sources.get(0), targets);
        try {
            for (int k = 0; k < sources.size(); k++) {
                Record source = sources.get(k);
                current = next;
                next = k + 1 < sources.size() ? rescaleAhead(sources.get(k + 1), targets) : null;
                if (delayMillis > 0) {
                    Thread.sleep(delayMillis);
                }
                Record clone = s.cloneInto(source, output, DrmsSession.CloneMode.COPY, segments);
                Rescale.Result[] results = result(current);
                for (int i = 0; i < segments.size(); i++) {
                    Rescale.Result y = results[i];
                    WrittenSegment w = clone.write(segments.get(i), y.array());
                    Sums.startSync(w.file()); // on its way to disk while the next record is rescaled
                    chunkOutOfRange += y.outOfRange();
                    chunkValues += y.array().length();
                    if (i == 0) {
                        setStatistics(clone, out, y.statistics());
                    }
                }
                setProvenance(clone, out, source);
                clones.add(clone);
                written++;
                if (failAt > 0 && written == failAt) {
                    throw new IllegalStateException("failing at record " + written + " (" + source
                            + ") as asked (failAt), after its clone's files were written");
                }
            }
        } finally {
            // after a failure (or an interrupt while waiting): no work left running for this chunk
            for (Future<Rescale.Result[]> f : Arrays.asList(current, next)) {
                if (f != null) {
                    f.cancel(true);
                }
            }
        }
        s.close(clones, DrmsSession.Action.INSERT);
        count(chunkOutOfRange, chunkValues);
    }

    /**
     * Starts reading and rescaling the segments of {@code source} on the reading thread; a segment that is a link
     * is read here instead, as following a link queries the catalog in the chunk's session.
     */
    private Future<Rescale.Result[]> rescaleAhead(Record source, List<SegmentDef> targets) {
        boolean links = segments.stream().anyMatch(
                seg -> source.series().segment(seg).map(SegmentDef::isLink).orElse(false));
        if (links) {
            FutureTask<Rescale.Result[]> here = new FutureTask<>(() -> rescaled(source, targets));
            here.run();
            return here;
        }
        if (reading == null) {
            reading = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "rescale-read-" + output);
                t.setDaemon(true);
                return t;
            });
        }
        return reading.submit(() -> rescaled(source, targets));
    }

    /** The rescaled segments of a source record. */
    private Rescale.Result[] rescaled(Record source, List<SegmentDef> targets) {
        Rescale.Result[] results = new Rescale.Result[segments.size()];
        for (int i = 0; i < results.length; i++) {
            String seg = segments.get(i);
            SegmentArray x = source.read(seg, null);
            try {
                results[i] = rescale.apply(x, targets.get(i).layout());
            } catch (IllegalArgumentException e) {
                throw new DrmsException("Cannot rescale segment '" + seg + "' of " + source + ": "
                        + e.getMessage(), e);
            }
        }
        return results;
    }

    private static Rescale.Result[] result(Future<Rescale.Result[]> f) throws InterruptedException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Adds a chunk's counts now and takes them back if its transaction rolls back. */
    private void count(long chunkOutOfRange, long chunkValues) {
        outOfRange += chunkOutOfRange;
        values += chunkValues;
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCompletion(int status) {
                    if (status != STATUS_COMMITTED) {
                        outOfRange -= chunkOutOfRange;
                        values -= chunkValues;
                    }
                }
            });
        }
    }

    private static void setStatistics(Record clone, SeriesDefinition out, Rescale.Statistics st) {
        double[] v = {st.min(), st.max(), st.mean(), st.rms()};
        for (int k = 0; k < STATISTICS.size(); k++) {
            if (settable(out, STATISTICS.get(k))) {
                // no value at all (every value MISSING): the keyword's MISSING value
                clone.set(STATISTICS.get(k), st.count() == 0 ? null : v[k]);
            }
        }
    }

    private void setProvenance(Record clone, SeriesDefinition out, Record source) {
        if (settable(out, SOURCE_SERIES)) {
            clone.set(SOURCE_SERIES, source.seriesName());
        }
        if (settable(out, SOURCE_RECNUM)) {
            clone.set(SOURCE_RECNUM, source.recnum());
        }
        if (settable(out, JOB_EXECUTION)) {
            clone.set(JOB_EXECUTION, jobExecutionId);
        }
        if (settable(out, HISTORY)) {
            clone.set(HISTORY, history(source));
        }
        for (LinkDef l : out.links()) {
            if (l.isStatic() && l.targetSeries().equalsIgnoreCase(source.seriesName())) {
                clone.setLink(l.name(), source);
            }
        }
    }

    /** The HISTORY text of a clone. */
    String history(Record source) {
        return String.format(Locale.ROOT, "rescale: %s = %s*x + %s from %s[:#%d]; job execution %d",
                String.join(",", segments), number(rescale.alpha()), number(rescale.beta()), source.seriesName(),
                source.recnum(), jobExecutionId);
    }

    private static String number(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    /** Whether a keyword of the series can be set on a record (a column, not an index keyword). */
    public static boolean settable(SeriesDefinition def, String keyword) {
        return def.keyword(keyword).filter(k -> k.isColumn() && !k.isIndex()).isPresent();
    }

    @Override
    public void open(ExecutionContext context) {
        outOfRange = context.getLong(OUT_OF_RANGE, 0L);
        values = context.getLong(VALUES, 0L);
        written = 0;
    }

    @Override
    public void update(ExecutionContext context) {
        context.putLong(OUT_OF_RANGE, outOfRange);
        context.putLong(VALUES, values);
    }

    @Override
    public void close() {
        if (reading != null) {
            reading.shutdownNow();
            reading = null;
        }
    }
}
