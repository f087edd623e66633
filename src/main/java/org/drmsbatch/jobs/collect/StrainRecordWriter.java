package org.drmsbatch.jobs.collect;

import java.util.ArrayList;
import java.util.List;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.types.SegmentArray;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ItemWriter;

/**
 * Creates and inserts a chunk's strain records, with their {@code strain} segments, in the DRMS session of the
 * chunk's transaction: the chunk commit is the session's commit (rows and files), a rollback removes both.
 */
public class StrainRecordWriter implements ItemWriter<StrainRecord>, org.springframework.batch.infrastructure.item.ItemStream {

    /** The smallest and largest recnum this step wrote (its ExecutionContext, across restarts). */
    static final String FIRST = "collect.firstRecnum";
    static final String LAST = "collect.lastRecnum";
    private long first = Long.MAX_VALUE;
    private long last = Long.MIN_VALUE;

    @Override
    public void open(org.springframework.batch.infrastructure.item.ExecutionContext context) {
        first = context.getLong(FIRST, Long.MAX_VALUE);
        last = context.getLong(LAST, Long.MIN_VALUE);
    }

    @Override
    public void update(org.springframework.batch.infrastructure.item.ExecutionContext context) {
        if (first <= last) {
            context.putLong(FIRST, first);
            context.putLong(LAST, last);
        }
    }

    /** The records this step wrote as a record-set query, or null when it wrote none. */
    static String output(String series, org.springframework.batch.infrastructure.item.ExecutionContext context) {
        if (!context.containsKey(FIRST)) {
            return null;
        }
        return series + "[? recnum BETWEEN " + context.getLong(FIRST) + " AND " + context.getLong(LAST) + " ?]";
    }

    public static final String SEGMENT = "strain";

    private final Drms drms;
    private final String series;

    public StrainRecordWriter(Drms drms, String series) {
        this.drms = drms;
        this.series = series;
    }

    @Override
    public void write(Chunk<? extends StrainRecord> chunk) {
        if (chunk.isEmpty()) {
            return;
        }
        DrmsSession s = drms.session();
        List<? extends StrainRecord> items = chunk.getItems();
        List<Record> records = new ArrayList<>(s.create(series, items.size()));
        for (int i = 0; i < items.size(); i++) {
            StrainRecord x = items.get(i);
            Record r = records.get(i);
            r.set("DETECTOR", x.detector());
            r.set("T_START", x.tStart());
            r.set("DT", x.dt());
            r.set("NSAMPLES", x.nsamples());
            r.set("DATAMIN", x.min());
            r.set("DATAMAX", x.max());
            r.set("DATAMEAN", x.mean());
            r.set("DATARMS", x.rms());
            r.set("SOURCE", x.source());
            r.write(SEGMENT, SegmentArray.ofDoubles(x.h(), x.h().length));
        }
        s.close(records, DrmsSession.Action.INSERT);
        for (Record r : records) {
            first = Math.min(first, r.recnum());
            last = Math.max(last, r.recnum());
        }
    }
}
