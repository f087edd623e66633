package org.drmsbatch.drms.query;

import java.util.List;

/**
 * One record set: a series, its filters in the order written, and the segments asked for (empty: all).
 *
 * @param series   the series name as defined (the catalog's spelling)
 * @param filters  the bracketed filters
 * @param segments the {@code {seg,...}} list, empty when absent
 */
public record RecordSet(String series, List<Filter> filters, List<String> segments) {

    public RecordSet {
        filters = List.copyOf(filters);
        segments = List.copyOf(segments);
    }

    /**
     * Whether prime-key logic is off: a {@code [! !]} filter or a record-number filter returns every version.
     */
    public boolean allVersions() {
        return filters.stream().anyMatch(f -> f instanceof RecnumFilter
                || (f instanceof WhereFilter w && w.allVersions()));
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(series);
        for (Filter f : filters) {
            sb.append(f);
        }
        if (!segments.isEmpty()) {
            sb.append('{').append(String.join(",", segments)).append('}');
        }
        return sb.toString();
    }
}
