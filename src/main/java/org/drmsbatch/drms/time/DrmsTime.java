package org.drmsbatch.drms.time;

/**
 * DRMS time: TAI seconds since 1977.01.01_00:00:00_TAI (specs/drms.md §2.3).
 * STUB — being replaced by the full implementation.
 */
public final class DrmsTime {

    /** MISSING time, -4712.01.01_12:00:00.000_TDT. */
    public static final double MISSING = -211087684832.184;

    private DrmsTime() {
    }

    /**
     * Parses a DRMS time string (any form of §2.3) or an epoch name; no zone means UTC.
     *
     * @throws TimeFormatException naming the text and the position where parsing failed
     */
    public static double parse(String text) {
        throw new TimeFormatException(text, 0, "time parsing not implemented yet");
    }

    /** Formats a time in a zone ({@code TAI}, {@code UTC}, {@code ISO}, {@code Z}, ...) with a precision -9..9. */
    public static String format(double tai, String zone, int precision) {
        return Double.toString(tai);
    }

    /** The time of a named epoch ({@code DRMS_EPOCH}, {@code MDI_EPOCH}, ...), or null when the name is not one. */
    public static Double epoch(String name) {
        return null;
    }

    public static boolean isMissing(double t) {
        return Double.isNaN(t) || (long) t == (long) MISSING;
    }
}
