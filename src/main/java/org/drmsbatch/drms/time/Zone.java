package org.drmsbatch.drms.time;

import java.util.Locale;
import java.util.Map;

/**
 * A DRMS time zone (timeio.c {@code parse_zone}, {@code zone_adjustment}): either a time scale that is a fixed
 * offset from TAI (TAI, TT/TDT = TAI + 32.184 s, GPS = TAI − 19 s) or a civil zone that is a fixed offset
 * from UTC (UTC, UT, Z, GMT, military letters, abbreviations such as PST or CET, and ±hhmm offsets).
 *
 * <p>Differences from timeio, on purpose: {@code ±hh} (one or two digits) means hours, as in ISO 8601
 * (timeio reads a bare number as hhmm, so {@code +8} would be 8 minutes); {@code ±hh:mm} is accepted;
 * {@code BST} is British Summer Time (+1 h, as timeio effectively does); CEST, EEST, AKST, AKDT, IST(+5:30) are added.
 *
 * @param name   the canonical upper-case name, as printed after the time
 * @param atomic true for TAI, TT, TDT, GPS (offset from TAI, no leap seconds), false for civil zones
 * @param offset seconds added to TAI (atomic) or to UTC (civil) to get this zone's clock
 */
public record Zone(String name, boolean atomic, double offset) {

    public static final Zone TAI = new Zone("TAI", true, 0.0);
    public static final Zone TDT = new Zone("TDT", true, 32.184);
    public static final Zone UTC = new Zone("UTC", false, 0.0);

    private static final Map<String, Double> HOURS = Map.ofEntries(
        Map.entry("UTC", 0.0), Map.entry("UT", 0.0), Map.entry("GMT", 0.0), Map.entry("WET", 0.0),
        Map.entry("PST", -8.0), Map.entry("PDT", -7.0), Map.entry("MST", -7.0), Map.entry("MDT", -6.0),
        Map.entry("CST", -6.0), Map.entry("CDT", -5.0), Map.entry("EST", -5.0), Map.entry("EDT", -4.0),
        Map.entry("AST", -4.0), Map.entry("ADT", -3.0), Map.entry("YST", -9.0), Map.entry("YDT", -8.0),
        Map.entry("AKST", -9.0), Map.entry("AKDT", -8.0), Map.entry("HST", -10.0), Map.entry("HDT", -9.0),
        Map.entry("BDT", -10.0), Map.entry("CET", 1.0), Map.entry("CEST", 2.0), Map.entry("BST", 1.0),
        Map.entry("EET", 2.0), Map.entry("EEST", 3.0), Map.entry("IST", 5.5), Map.entry("SST", 8.0),
        Map.entry("WST", 8.0), Map.entry("JST", 9.0), Map.entry("JDT", 10.0), Map.entry("NZST", 12.0),
        Map.entry("NZDT", 13.0));

    /** The zone named by text (case-insensitive), or null when it is not one. */
    public static Zone of(String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        String z = text.toUpperCase(Locale.ROOT);
        switch (z) {
            case "TAI":
                return TAI;
            case "TDT":
            case "TT":
                return new Zone(z, true, 32.184);
            case "GPS":
                return new Zone(z, true, -19.0);
            default:
                break;
        }
        Double hours = HOURS.get(z);
        if (hours != null) {
            return new Zone(z, false, hours * 3600.0);
        }
        if (z.length() == 1) {
            Double h = militaryHours(z.charAt(0));
            return h == null ? null : new Zone(z, false, h * 3600.0);
        }
        if (z.charAt(0) == '+' || z.charAt(0) == '-') {
            return offsetZone(z);
        }
        return null;
    }

    /** Military letters: A..I = +1..+9, K..M = +10..+12, N..Y = −1..−12, Z = 0; J is not a zone. */
    private static Double militaryHours(char c) {
        if (c >= 'A' && c <= 'I') {
            return (double) (c - 'A' + 1);
        }
        if (c >= 'K' && c <= 'M') {
            return (double) (c - 'A');
        }
        if (c >= 'N' && c <= 'Y') {
            return (double) ('M' - c);
        }
        if (c == 'Z') {
            return 0.0;
        }
        return null;
    }

    /** {@code ±h}, {@code ±hh}, {@code ±hhmm}, {@code ±hh:mm}; null when malformed. */
    private static Zone offsetZone(String z) {
        int sign = z.charAt(0) == '-' ? -1 : 1;
        String body = z.substring(1);
        int hours;
        int minutes = 0;
        if (body.matches("\\d{1,2}")) {
            hours = Integer.parseInt(body);
        } else if (body.matches("\\d{4}")) {
            hours = Integer.parseInt(body.substring(0, 2));
            minutes = Integer.parseInt(body.substring(2));
        } else if (body.matches("\\d{3}")) {
            hours = Integer.parseInt(body.substring(0, 1));
            minutes = Integer.parseInt(body.substring(1));
        } else if (body.matches("\\d{1,2}:\\d{2}")) {
            int colon = body.indexOf(':');
            hours = Integer.parseInt(body.substring(0, colon));
            minutes = Integer.parseInt(body.substring(colon + 1));
        } else {
            return null;
        }
        if (hours > 14 || minutes > 59) {
            return null;
        }
        return new Zone(z, false, sign * (hours * 3600.0 + minutes * 60.0));
    }

    /** Whether this is a single letter or an offset, printed right after the clock without {@code _}. */
    public boolean concatenated() {
        return name.length() == 1 || name.charAt(0) == '+' || name.charAt(0) == '-';
    }

    /** TAI of a clock reading in this zone (seconds since 1977.01.01 as if all days had 86400 s). */
    public double toTai(double label, boolean secondSixty) {
        if (atomic) {
            return label - offset;
        }
        return LeapSeconds.utcToTai(label - offset, secondSixty);
    }

    /** Clock reading in this zone of a TAI instant; inside a leap second it reads 23:59:59.x (print 60). */
    public double fromTai(double tai) {
        if (atomic) {
            return tai + offset;
        }
        return LeapSeconds.taiToUtc(tai) + offset;
    }

    /** Whether a TAI instant is printed with second 60 in this zone. */
    public boolean inLeapSecond(double tai) {
        return !atomic && LeapSeconds.isLeapSecond(tai);
    }
}
