package org.drmsbatch.drms.query;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A record-set query (specs/drms.md §2.1): one or more record sets whose results are concatenated in order.
 * {@link #toString()} prints an equivalent query.
 */
public record Query(List<RecordSet> sets) {

    public Query {
        sets = List.copyOf(sets);
    }

    @Override
    public String toString() {
        return sets.stream().map(RecordSet::toString).collect(Collectors.joining(","));
    }
}
