package org.drmsbatch.drms.query;

import java.util.List;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.RecordStatus;

/**
 * The processing status of a record set ({@code drms status ds=}, {@code GET /api/status?ds=}): its records, as the
 * query selects them now, and per step the counts by state, bytes and time ({@link RecordStatus#summary}).
 */
public final class RecordStatusReport {

    private final Drms drms;
    private final RecordSets recordSets;

    public RecordStatusReport(Drms drms, RecordSets recordSets) {
        this.drms = drms;
        this.recordSets = recordSets;
    }

    /** The status of the records {@code ds} selects; a bad query is a {@link QueryException} saying why. */
    public RecordStatus.Summary summary(String ds) {
        if (ds == null || ds.isBlank()) {
            throw new IllegalArgumentException("ds: a record-set query is required, e.g. ds=hmi.M_45s[$]");
        }
        List<Record> records = recordSets.open(ds, 0);
        return drms.read(s -> RecordStatus.summary(s.connection(), records));
    }
}
