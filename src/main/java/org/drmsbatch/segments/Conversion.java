package org.drmsbatch.segments;

import org.drmsbatch.drms.types.SegmentArray;

/**
 * The result of converting an array: the new array and how many values fell outside the target type's range and
 * became MISSING (DRMS status {@code DRMS_RANGE} when non-zero, specs/drms.md §4.2).
 */
public record Conversion(SegmentArray array, long outOfRange) {

    /** True when no value was out of range. */
    public boolean ok() {
        return outOfRange == 0;
    }
}
