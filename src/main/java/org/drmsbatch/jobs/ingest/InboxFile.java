package org.drmsbatch.jobs.ingest;

import java.nio.file.Path;
import java.util.Map;

/**
 * A complete FITS file of the inbox, read and checked: the keyword values its header gives the record (converted to
 * the keywords' types), and its image's axes, BZERO and BSCALE.
 *
 * @param file     the file in the inbox
 * @param size     its size when read
 * @param mtimeMs  its last-modified time when read (ms since 1970)
 * @param keywords the record's keyword values by keyword name, converted
 */
public record InboxFile(Path file, long size, long mtimeMs, Map<String, Object> keywords, int[] dims, double bzero,
                        double bscale) {

    public String name() {
        return file.getFileName().toString();
    }

    @Override
    public String toString() {
        return name();
    }
}
