package org.drmsbatch.drms.types;

import java.util.List;

/**
 * How a segment's array is laid out in its file: the part of a segment definition (specs/drms.md §1.5) that the
 * segment file formats, their scaling and the array kernels read. It knows nothing of the catalog (no segment
 * number, unit, description or link).
 *
 * @param name     segment name, for messages
 * @param type     data type of the stored array
 * @param dims     axis lengths; 0 means unknown ({@code *} or {@code NA} in the JSD); size is naxis
 * @param vardim   whether the axis lengths vary per record (only naxis is fixed)
 * @param protocol storage protocol; null for a linked segment
 * @param cparms   compression string ({@code ""} none, {@code "compress Rice"}, ...); fitz defaults to Rice
 * @param bzero    default bzero (0 for floating types)
 * @param bscale   default bscale (1 for floating types)
 */
public record SegmentLayout(String name, DrmsType type, List<Integer> dims, boolean vardim, Protocol protocol,
                            String cparms, double bzero, double bscale) {

    public SegmentLayout {
        dims = List.copyOf(dims);
    }

    public int naxis() {
        return dims.size();
    }
}
