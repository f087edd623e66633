package org.drmsbatch.drms.types;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The segment files of records as the catalog sees them (specs/drms.md §4): arrays written to and read from a
 * file in a record's slot directory in the segment's protocol, scaled as DRMS does, and generic files stored as
 * they are. Implemented by the segment file formats ({@code segments.SegmentFiles}); a record only says which
 * file and which segment layout.
 */
public interface SegmentStorage {

    /**
     * Writes {@code data} as a segment laid out as {@code segment} to {@code file}, scaled to the segment's type
     * (values that do not fit become MISSING and are counted); a file under its final name is always complete.
     */
    WrittenSegment write(SegmentLayout segment, Path file, SegmentArray data) throws IOException;

    /**
     * Copies an arbitrary file into {@code targetDir} for a generic segment, keeping its file name. Returns the
     * stored file.
     */
    Path storeGeneric(Path source, Path targetDir) throws IOException;

    /**
     * Reads the array of a segment laid out as {@code segment} from {@code file}, converted to {@code as}
     * (bzero/bscale applied), or unconverted (integers raw, with the file's bzero/bscale) when {@code as} is null.
     */
    SegmentArray readArray(SegmentLayout segment, Path file, DrmsType as) throws IOException;
}
