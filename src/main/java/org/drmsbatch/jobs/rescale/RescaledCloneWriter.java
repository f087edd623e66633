package org.drmsbatch.jobs.rescale;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.LinkDef;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.RecordStatus;
import org.drmsbatch.drms.SeriesDefinition;
import org.drmsbatch.drms.types.WrittenSegment;
import org.drmsbatch.jobs.ChunkHooks;
import org.drmsbatch.jobs.RecordStatusTracking;
import org.drmsbatch.segments.Rescale;
import org.drmsbatch.sums.Sums;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamWriter;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Writes, in the DRMS session of the chunk's transaction, one clone per record of the chunk into the output
 * series: keywords and links as DRMS clones them, the segments that are not rescaled copied into the clone's own
 * storage-unit slot, the rescaled segments that {@link RescaleProcessor} made written there, and DATAMIN,
 * DATAMAX, DATAMEAN, DATARMS (those the series has) from the first rescaled segment's statistics. The clone names
 * its source: {@value #SOURCE_SERIES}, {@value #SOURCE_RECNUM}, {@value #HISTORY}, any static link to the source's
 * series, and {@value #JOB_EXECUTION}, the job execution that made it (each when the series has it).
 *
 * <p>The chunk commit is the session's commit: the clones' rows and files become visible together; a failure
 * anywhere in the chunk rolls both back (the session deletes the slots it allocated). Each written file is handed
 * to {@link Sums#startSync} so that it is on its way to disk, while the next record is rescaled, before the commit
 * syncs the unit.
 *
 * <p>Counts kept in the step ExecutionContext: {@value #OUT_OF_RANGE} (values that did not fit the output type and
 * became MISSING) and {@value #VALUES} (values rescaled), committed with their chunk.
 */
public class RescaledCloneWriter implements ItemStreamWriter<RescaledRecord> {

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
    private final String statusStep;
    private final ChunkHooks.Hook hook;

    private long outOfRange;
    private long values;
    private long written;

    /**
     * @param rescale     the rescale done, named in each clone's HISTORY
     * @param statusStep  the step each record's processing status is kept under ({@link RecordStatus})
     * @param hook        reached by each record of this step execution once its clone's files are written (none in
     *                    the product; a test's may fail there or pause)
     */
    public RescaledCloneWriter(Drms drms, String output, List<String> segments, Rescale rescale, long jobExecutionId,
            String statusStep, ChunkHooks.Hook hook) {
        if (segments.isEmpty()) {
            throw new IllegalArgumentException("no segment to rescale");
        }
        this.drms = drms;
        this.output = output;
        this.segments = List.copyOf(segments);
        this.rescale = rescale;
        this.jobExecutionId = jobExecutionId;
        this.statusStep = statusStep;
        this.hook = hook;
    }

    @Override
    public void write(Chunk<? extends RescaledRecord> chunk) throws Exception {
        if (chunk.isEmpty()) {
            return;
        }
        long started = System.nanoTime();
        DrmsSession s = drms.session();
        SeriesDefinition out = s.definition(output);
        List<Long> bytes = new ArrayList<>(chunk.size());
        Record current = null;
        List<Record> clones = new ArrayList<>(chunk.size());
        long chunkOutOfRange = 0;
        long chunkValues = 0;
        try {
            for (RescaledRecord item : chunk) {
                Record source = item.source();
                current = source;
                Record clone = s.cloneInto(source, output, DrmsSession.CloneMode.COPY, segments);
                Rescale.Result[] results = item.results();
                long size = 0;
                for (int i = 0; i < segments.size(); i++) {
                    Rescale.Result y = results[i];
                    WrittenSegment w = clone.write(segments.get(i), y.array());
                    size += java.nio.file.Files.size(w.file());
                    Sums.startSync(w.file()); // on its way to disk while the next record is rescaled
                    chunkOutOfRange += y.outOfRange();
                    chunkValues += y.array().length();
                    if (i == 0) {
                        setStatistics(clone, out, y.statistics());
                    }
                }
                item.release(); // its arrays are written: the next record can be read
                setProvenance(clone, out, source);
                clones.add(clone);
                bytes.add(size);
                hook.reached(++written, source);
            }
        } catch (Exception e) {
            failed(current, e);
            throw e;
        } finally {
            // after a failure (or an interrupt while waiting): no work left running for this chunk
            for (RescaledRecord item : chunk) {
                item.release();
            }
        }
        s.close(clones, DrmsSession.Action.INSERT);
        // each source record good in this step, in the chunk's transaction: committed with its clone or not at all
        long millis = (System.nanoTime() - started) / 1_000_000 / clones.size();
        List<RecordStatus.Entry> status = new ArrayList<>(clones.size());
        int k = 0;
        for (RescaledRecord item : chunk) {
            Record source = item.source();
            status.add(new RecordStatus.Entry(source.seriesName(), source.recnum(), statusStep,
                    RecordStatus.State.GOOD, null, jobExecutionId, output, clones.get(k).recnum(), bytes.get(k),
                    millis));
            k++;
        }
        RecordStatus.record(s.connection(), status);
        count(chunkOutOfRange, chunkValues);
    }

    /**
     * Records {@code source} failed in this step, with the reason, once the chunk's transaction has rolled back (in a
     * transaction of its own: the chunk's work is gone, its failure stays).
     */
    private void failed(Record source, Exception e) {
        if (source != null) {
            RecordStatusTracking.failedAfterRollback(drms.dataSource(), source, statusStep, jobExecutionId, e);
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

}
