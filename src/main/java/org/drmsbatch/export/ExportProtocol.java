package org.drmsbatch.export;

import java.util.Locale;

/**
 * What is written for each record and segment (specs/drms.md §5.3): {@code as-is} copies the stored segment file,
 * {@code fits} writes a FITS file with the record's keywords in its header (§5.1). JSOC's overloaded form
 * {@code fits,<cparms>} ({@code FITS,compress Rice}, {@code fits,**NONE**}) is accepted: see {@link #cparmsOf}.
 */
public enum ExportProtocol {
    AS_IS("as-is"), FITS("fits");

    private final String jsocName;

    ExportProtocol(String jsocName) {
        this.jsocName = jsocName;
    }

    public String jsocName() {
        return jsocName;
    }

    /** The protocol of a JSOC protocol string (case-insensitive; a {@code ,<cparms>} suffix is ignored here). */
    public static ExportProtocol of(String text) {
        if (text == null || text.isBlank()) {
            return FITS;
        }
        String name = text.trim();
        int comma = name.indexOf(',');
        if (comma >= 0) {
            name = name.substring(0, comma).trim();
        }
        for (ExportProtocol p : values()) {
            if (p.jsocName.equalsIgnoreCase(name)) {
                if (p == AS_IS && comma >= 0) {
                    throw new ExportException("protocol '" + text + "': as-is takes no compression");
                }
                return p;
            }
        }
        throw new ExportException("unknown export protocol '" + text + "' (protocols: as-is, fits)");
    }

    /** The cparms part of {@code fits,<cparms>}, or null when the protocol string has none. */
    public static String cparmsOf(String text) {
        if (text == null) {
            return null;
        }
        int comma = text.indexOf(',');
        return comma < 0 ? null : text.substring(comma + 1).trim();
    }

    @Override
    public String toString() {
        return jsocName.toLowerCase(Locale.ROOT);
    }
}
