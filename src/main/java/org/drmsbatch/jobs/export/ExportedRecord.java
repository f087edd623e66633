package org.drmsbatch.jobs.export;

import java.util.List;

import nom.tam.fits.HeaderCard;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.SegmentDef;

/**
 * A record to export and its files, one per exported segment that has a file.
 *
 * @param record the record
 * @param set    the index of the query's record set it was read for (its place in the export's order, with its
 *               recnum)
 * @param files  what to write for each segment
 */
public record ExportedRecord(Record record, int set, List<File> files) {

    public ExportedRecord {
        files = List.copyOf(files);
    }

    /** A record of the query's first record set. */
    public ExportedRecord(Record record, List<File> files) {
        this(record, 0, files);
    }

    /**
     * One file of the export.
     *
     * @param source      the record whose segment holds the data (the link's target for a linked segment)
     * @param segment     the segment of {@code source}
     * @param recordSpec  the JSOC record spec for the index: {@code series[pk]...{segment}}
     * @param segmentFile the file's own name, {@code {segment}} in the template ({@code image.fits})
     * @param cards       the keyword cards of the FITS header; null for as-is
     */
    public record File(Record source, SegmentDef segment, String recordSpec, String segmentFile,
                       List<HeaderCard> cards) {
    }
}
