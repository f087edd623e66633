package org.drmsbatch.drms.types;

import java.util.Locale;

/** Segment storage protocols (specs/drms.md §1.5) and their file extensions. */
public enum Protocol {
    GENERIC("generic", ""),
    BIN("bin", ".bin"),
    BIN_GZ("bin.gz", ".bin.gz"),
    FITZ("fitz", ".fits"),
    FITS("fits", ".fits"),
    TAS("tas", ".tas");

    private final String jsdName;
    private final String extension;

    Protocol(String jsdName, String extension) {
        this.jsdName = jsdName;
        this.extension = extension;
    }

    public String jsdName() {
        return jsdName;
    }

    public String extension() {
        return extension;
    }

    /** Whether segments of this protocol carry bzero/bscale (integer types only). */
    public boolean scalable() {
        return this != GENERIC;
    }

    /** Whether a cparms (compression) token follows the protocol in a JSD {@code Data:} line. */
    public boolean takesCompression() {
        return this == FITS || this == TAS;
    }

    public static Protocol fromJsdName(String s) {
        String n = s.trim().toLowerCase(Locale.ROOT);
        for (Protocol p : values()) {
            if (p.jsdName.equals(n)) {
                return p;
            }
        }
        return null;
    }
}
