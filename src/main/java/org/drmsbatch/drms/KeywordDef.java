package org.drmsbatch.drms;

import org.drmsbatch.drms.types.DrmsType;

/**
 * One keyword of a series definition (specs/drms.md §1.3).
 *
 * @param name         keyword name as written in the JSD (case kept; lookups are case-insensitive)
 * @param type         value type; for a linked keyword the type is INT as a placeholder
 * @param recScope     record scope; null for a linked keyword
 * @param perSegment   true for {@code segment} scope: the keyword exists once per segment as {@code name_NNN}
 * @param defaultValue the default as written (quotes stripped; {@code DRMS_MISSING_VALUE} kept literally)
 * @param format       printf format, or for time keywords the precision (-9..9)
 * @param unit         unit, or for time keywords the zone used for printing
 * @param description  free text
 * @param linkName     for a linked keyword, the link it is read through; else null
 * @param targetKeyword for a linked keyword, the keyword of the target record; else null
 * @param implicit     created by the parser ({@code _index}, {@code <seg>_bzero}, {@code cparms_sgNNN}); not printed in JSD
 */
public record KeywordDef(String name, DrmsType type, RecScope recScope, boolean perSegment, String defaultValue,
                         String format, String unit, String description, String linkName, String targetKeyword,
                         boolean implicit) {

    public static KeywordDef linked(String name, String linkName, String targetKeyword, String description) {
        return new KeywordDef(name, DrmsType.INT, null, false, null, null, null, description, linkName, targetKeyword,
                false);
    }

    public boolean isLink() {
        return linkName != null;
    }

    public boolean isConstant() {
        return recScope == RecScope.CONSTANT;
    }

    public boolean isSlotted() {
        return recScope != null && recScope.isSlotted();
    }

    public boolean isIndex() {
        return recScope == RecScope.INDEX;
    }

    /** True when the keyword is a column of the series table (not constant, not linked). */
    public boolean isColumn() {
        return !isLink() && !isConstant();
    }

    /** The table column name: the keyword name lower-cased. */
    public String column() {
        return name.toLowerCase(java.util.Locale.ROOT);
    }
}
