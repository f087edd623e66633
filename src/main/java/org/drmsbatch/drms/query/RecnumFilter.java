package org.drmsbatch.drms.query;

import java.util.List;
import java.util.stream.Collectors;

/** {@code [:#...]}: records by record number; the ranges are ORed. Turns prime-key logic off. */
public record RecnumFilter(List<IndexRange> ranges) implements Filter {

    public RecnumFilter {
        ranges = List.copyOf(ranges);
    }

    @Override
    public String toString() {
        return "[:" + ranges.stream().map(IndexRange::toString).collect(Collectors.joining(",")) + "]";
    }
}
