package org.drmsbatch.drms.query;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A record-set query (specs/drms.md §2.1): one or more record sets whose results are concatenated in order.
 * {@link #toString()} prints an equivalent query.
 *
 * @param sets the record sets
 * @param text the query as written, null when it was not parsed from a text: errors found while running it
 *             show their position in it. Not part of equality.
 */
public record Query(List<RecordSet> sets, String text) {

    public Query {
        sets = List.copyOf(sets);
    }

    /** A query not parsed from a text. */
    public Query(List<RecordSet> sets) {
        this(sets, null);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Query q && q.sets.equals(sets);
    }

    @Override
    public int hashCode() {
        return sets.hashCode();
    }

    @Override
    public String toString() {
        return sets.stream().map(RecordSet::toString).collect(Collectors.joining(","));
    }
}
