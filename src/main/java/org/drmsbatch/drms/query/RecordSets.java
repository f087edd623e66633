package org.drmsbatch.drms.query;

import java.util.List;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.Record;

/**
 * Runs record-set queries against the catalog: parse, turn into SQL with binds, execute in a read-only
 * transaction with a statement timeout. STUB: the signatures are fixed, the bodies are being written.
 */
public final class RecordSets {

    private final Drms drms;

    public RecordSets(Drms drms) {
        this.drms = drms;
    }

    /** Parses a query against the catalog's series (errors: {@link QueryException} with the position). */
    public Query parse(String query) {
        throw new UnsupportedOperationException("not yet");
    }

    /**
     * The records of a query, record sets concatenated in order, each in prime-key order: the first {@code n}
     * when n &gt; 0, the last |n| when n &lt; 0, all when n = 0.
     */
    public List<Record> open(String query, int n) {
        throw new UnsupportedOperationException("not yet");
    }

    /** The number of records a query selects (what {@code show-info -c} prints). */
    public long count(String query) {
        throw new UnsupportedOperationException("not yet");
    }
}
