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
public class StrainRecordWriter implements ItemWriter<StrainRecord> {

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
    }
}
