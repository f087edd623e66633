package org.drmsbatch.drms.types;

import java.nio.file.Path;


/**
 * What {@link SegmentStorage#write} stored: the file, the stored type and axis lengths (for a vardim segment's
 * {@code sg_NNN_axisMMM} columns), the scaling written (for the {@code <seg>_bzero}/{@code <seg>_bscale} keywords)
 * and how many values were out of the stored type's range and were stored as MISSING.
 */
public record WrittenSegment(Path file, DrmsType type, int[] dims, double bzero, double bscale, long outOfRange) {

    public WrittenSegment {
        dims = dims.clone();
    }

    @Override
    public int[] dims() {
        return dims.clone();
    }
}
