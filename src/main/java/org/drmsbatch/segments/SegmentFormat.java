package org.drmsbatch.segments;

import java.io.IOException;
import java.nio.file.Path;

import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.drms.types.SegmentLayout;

/**
 * One on-disk format of segment arrays. A format only moves stored values: the array it writes already has the
 * segment's type and carries the scaling to record (raw for integers); the array it reads holds the stored values
 * with the file's bzero/bscale, raw for integer types. Scaling and type conversion are {@link SegmentFiles}' job.
 */
public interface SegmentFormat {

    /** Writes {@code stored} to {@code file} (the caller makes the write atomic). */
    void write(Path file, SegmentLayout segment, SegmentArray stored) throws IOException;

    /** Reads the stored array of {@code file}. */
    SegmentArray read(Path file, SegmentLayout segment) throws IOException;
}
