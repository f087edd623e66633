package org.drmsbatch.export;

import java.util.Locale;

import org.drmsbatch.segments.FitsCompression;

/**
 * The {@code cparms} of an export (specs/drms.md §5.1): {@code **NONE**} or {@code none} for uncompressed files,
 * else a compression, {@code rice}, {@code gzip1}, {@code gzip2}, {@code plio}, {@code hcompress}, optionally
 * prefixed by {@code compress } and followed by tile lengths ({@code compress Rice 128,128}); case does not matter.
 * Not given: each segment's own definition (its cparms; {@code fitz} segments are Rice-compressed).
 */
public final class ExportCompression {

    public static final String NONE = "**NONE**";

    private ExportCompression() {
    }

    /** The compression asked for, or null to use each segment's definition. */
    public static FitsCompression parse(String cparms) {
        if (cparms == null || cparms.isBlank()) {
            return null;
        }
        String t = cparms.trim();
        if (t.equalsIgnoreCase(NONE) || t.equalsIgnoreCase("none")) {
            return FitsCompression.NONE;
        }
        String rest = t.toLowerCase(Locale.ROOT).startsWith("compress ") ? t.substring(9).trim() : t;
        String[] parts = rest.split("\\s+", 2);
        String algorithm = switch (parts[0].toLowerCase(Locale.ROOT)) {
            case "rice", "rice_1", "rice1" -> "Rice";
            case "gzip", "gzip1", "gzip_1" -> "GZIP";
            case "gzip2", "gzip_2" -> "GZIP_2";
            case "plio", "plio_1", "plio1" -> "PLIO";
            case "hcompress", "hcompress_1", "hcompress1" -> "HCOMPRESS";
            default -> throw new ExportException("cparms '" + cparms + "': unknown compression '" + parts[0]
                    + "' (**NONE**, rice, gzip1, gzip2, plio, hcompress)");
        };
        try {
            return FitsCompression.parse("compress " + algorithm + (parts.length > 1 ? " " + parts[1] : ""));
        } catch (IllegalArgumentException e) {
            throw new ExportException(e.getMessage(), e);
        }
    }
}
