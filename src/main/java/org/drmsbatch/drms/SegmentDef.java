package org.drmsbatch.drms;

import java.util.List;
import java.util.Locale;

import org.drmsbatch.drms.types.DrmsType;
import org.drmsbatch.drms.types.Protocol;
import org.drmsbatch.drms.types.SegmentLayout;

/**
 * One segment of a series definition (specs/drms.md §1.5).
 *
 * @param name        segment name
 * @param segnum      0-based position among the series' segments (column {@code sg_NNN_file}, keyword suffix)
 * @param scope       constant, variable, vardim, or link
 * @param type        data type of the stored array
 * @param dims        axis lengths; 0 means unknown ({@code *} or {@code NA} in the JSD); size is naxis
 * @param unit        physical unit
 * @param protocol    storage protocol; null for a linked segment
 * @param cparms      compression string ({@code ""} none, {@code "compress Rice"}, ...); fitz defaults to Rice
 * @param bzero       default bzero (0 for floating types)
 * @param bscale      default bscale (1 for floating types)
 * @param description free text
 * @param linkName    for a linked segment, the link; else null
 * @param targetSegment for a linked segment, the segment of the target record; else null
 */
public record SegmentDef(String name, int segnum, Scope scope, DrmsType type, List<Integer> dims, String unit,
                         Protocol protocol, String cparms, double bzero, double bscale, String description,
                         String linkName, String targetSegment) {

    public enum Scope {
        CONSTANT, VARIABLE, VARDIM, LINK;

        public String jsdName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public SegmentDef {
        dims = List.copyOf(dims);
    }

    public int naxis() {
        return dims.size();
    }

    public boolean isLink() {
        return scope == Scope.LINK;
    }

    /** Whether the file is stored compressed (a non-empty cparms other than {@code none}). */
    public boolean compressed() {
        return cparms != null && !cparms.isBlank() && !cparms.trim().equalsIgnoreCase("none");
    }

    /**
     * What the segment file formats need of this segment: name, type, axes (vardim or not), protocol (null for a
     * link), cparms and the default bzero/bscale.
     */
    public SegmentLayout layout() {
        return new SegmentLayout(name, type, dims, scope == Scope.VARDIM, isLink() ? null : protocol, cparms, bzero,
                bscale);
    }

    /** The file name of this segment in a record's slot directory (generic segments keep their own name). */
    public String fileName() {
        return protocol == null ? name : name + protocol.extension();
    }

    /** Column holding the stored file name: {@code sg_NNN_file}. */
    public String fileColumn() {
        return String.format(Locale.ROOT, "sg_%03d_file", segnum);
    }

    /** Column holding axis {@code axis} (0-based) of a vardim segment: {@code sg_NNN_axisMMM}. */
    public String axisColumn(int axis) {
        return String.format(Locale.ROOT, "sg_%03d_axis%03d", segnum, axis);
    }
}
