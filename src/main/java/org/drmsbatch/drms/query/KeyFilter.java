package org.drmsbatch.drms.query;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A prime-key filter {@code [v1,v2,...]} or {@code [KEY=v1,...]}: the ranges are ORed. An empty list is {@code []},
 * which only moves to the next prime-key position.
 *
 * @param key    the external prime key it applies to (for a slotted key, the slotted keyword, e.g. T_REC)
 * @param named  whether it was written {@code [KEY=...]} (a positional filter prints without the name)
 * @param ranges the values and ranges, typed by the key (see {@link KeyRange})
 */
public record KeyFilter(String key, boolean named, List<KeyRange> ranges) implements Filter {

    public KeyFilter {
        ranges = List.copyOf(ranges);
    }

    @Override
    public String toString() {
        String list = ranges.stream().map(KeyRange::toString).collect(Collectors.joining(","));
        return "[" + (named ? key + "=" : "") + list + "]";
    }
}
