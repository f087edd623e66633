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
        return summary(ds, RecordStatus.Filter.NONE);
    }

    /** The status of the records {@code ds} selects, and the status rows {@code filter} selects of them. */
    public RecordStatus.Summary summary(String ds, RecordStatus.Filter filter) {
        if (ds == null || ds.isBlank()) {
            throw new IllegalArgumentException("ds: a record-set query is required, e.g. ds=hmi.M_45s[$]");
        }
        List<Record> records = recordSets.open(ds, 0);
        return drms.read(s -> RecordStatus.summary(s.connection(), records, filter));
    }

    /** The most rows a listing gives. */
    public static final int MAX_ROWS = 10_000;

    /**
     * The filter of the text a face was given: {@code step} (any text), {@code state} (queued, in_progress, good,
     * failed), {@code limit} (1 to {@value #MAX_ROWS}; default 100 when a step or state is given, else no rows).
     */
    public static RecordStatus.Filter filter(String step, String state, String limit) {
        RecordStatus.State st = null;
        if (state != null && !state.isBlank()) {
            try {
                st = RecordStatus.State.valueOf(state.trim().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("state: '" + state + "' is not one of queued, in_progress, good,"
                        + " failed");
            }
        }
        String named = step == null || step.isBlank() ? null : step.trim();
        int n = st == null && named == null ? 0 : 100;
        if (limit != null && !limit.isBlank()) {
            try {
                n = Integer.parseInt(limit.trim());
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 1 || n > MAX_ROWS) {
                throw new IllegalArgumentException("limit: '" + limit + "' is not a number from 1 to " + MAX_ROWS);
            }
        }
        return new RecordStatus.Filter(named, st, n);
    }
}
