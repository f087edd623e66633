package org.drmsbatch.drms.time;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;

/**
 * DRMS time: TAI seconds since 1977.01.01_00:00:00_TAI (specs/drms.md §2.3), parsed and printed as
 * DRMS timeio ({@code sscan_time}, {@code sprint_time}) does.
 *
 * <p>Calendar: Gregorian from 1582.10.15, Julian before ({@link CalendarDate}); leap seconds: {@link LeapSeconds};
 * zones: {@link Zone}. A time with no zone is UTC; {@code JD_}/{@code MJD_} times default to TDT.
 *
 * <p>Accepted forms (a zone may follow most of them after {@code _}; single letters and ±hhmm offsets may
 * follow the clock directly):
 * {@code YYYY}, {@code YYYY.MM}, {@code YYYY.MM.DD}, {@code YYYY.MM.DD_hh}, {@code YYYY.MM.DD_hh:mm},
 * {@code YYYY.MM.DD_hh:mm:ss[.fff]}, month names ({@code 2010.May.01}), day of year ({@code YYYY.DDD},
 * {@code YYYYDDD}), {@code YYYYMMDD}, fractional day ({@code 2010.05.01.5}), ISO
 * {@code YYYY-MM-DD[Thh:mm:ss[.fff]][Z]} (or a space for {@code T}), {@code JD_<n>}, {@code MJD_<n>},
 * {@code YYYY.MM.DD_ZONE}, negative years ({@code -4712.01.01_12:00:00_TDT}), and epoch names.
 *
 * <p>Where this differs from timeio on purpose: fields are range-checked (month 1..12, hour ≤ 24, minute ≤ 59,
 * second &lt; 61) and anything left over is an error, where timeio silently ignores or rolls over; a seconds field
 * of 60 takes the UTC offset in force one second earlier (so {@code 2016.12.31_23:59:60_UTC} is the leap
 * second), and a civil zone's leap-second count is taken at the UTC instant, not at the local clock reading.
 */
public final class DrmsTime {

    /** MISSING time, -4712.01.01_12:00:00.000_TDT. */
    public static final double MISSING = -211087684832.184;

    /** Julian date of 1977.01.01_00:00:00 (of the TDT clock, for JD/MJD forms). */
    static final double JD_EPOCH = 2443144.5;

    private DrmsTime() {
    }

    // ------------------------------------------------------------------------------------------ epochs

    /** The time of a named epoch ({@code DRMS_EPOCH}, {@code MDI_EPOCH}, ...), or null when the name is not one. */
    public static Double epoch(String name) {
        if (name == null) {
            return null;
        }
        switch (name.trim().toUpperCase(Locale.ROOT)) {
            case "DRMS_EPOCH":
                return 0.0;                                   // 1977.01.01_00:00:00_TAI
            case "MDI_EPOCH":
            case "TSEQ_EPOCH":
                return parse("1993.01.01_00:00:00_TAI");      // 504921600.0
            case "TAI_EPOCH":
                return parse("1958.01.01_00:00:00_TAI");      // -599616000.0
            case "WSO_EPOCH":
                return parse("1601.01.01_00:00:00_UT");
            case "MJD_EPOCH":
                return parse("1858.11.17_00:00:00_UT");
            default:
                return null;
        }
    }

    public static boolean isMissing(double t) {
        return Double.isNaN(t) || (long) t == (long) MISSING;
    }

    // ------------------------------------------------------------------------------------------ parsing

    /**
     * Parses a DRMS time string (any form of §2.3) or an epoch name; no zone means UTC.
     *
     * @throws TimeFormatException naming the text and the position where parsing failed
     */
    public static double parse(String text) {
        if (text == null) {
            throw new TimeFormatException("", 0, "no time given");
        }
        Double e = epoch(text);
        if (e != null) {
            return e;
        }
        return new TimeParser(text).parse();
    }

    /** Recursive-descent parser over one time string; positions are 0-based indexes into the text. */
    private static final class TimeParser {
        private final String text;
        private int pos;

        TimeParser(String text) {
            this.text = text;
        }

        private TimeFormatException error(int at, String what) {
            return new TimeFormatException(text, at, what);
        }

        private char peek() {
            return pos < text.length() ? text.charAt(pos) : '\0';
        }

        private boolean atEnd() {
            return pos >= text.length();
        }

        private int digits() {
            int start = pos;
            while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
                pos++;
            }
            return pos - start;
        }

        double parse() {
            // leading/trailing blanks are ignored
            while (peek() == ' ') {
                pos++;
            }
            int end = text.length();
            while (end > pos && text.charAt(end - 1) == ' ') {
                end--;
            }
            if (pos >= end) {
                throw error(pos, "empty time");
            }
            String upper = text.toUpperCase(Locale.ROOT);
            if (upper.startsWith("JD_", pos) || upper.startsWith("MJD_", pos)) {
                return julian(upper.charAt(pos) == 'M', end);
            }
            return calendar(end);
        }

        private double julian(boolean modified, int end) {
            pos += modified ? 4 : 3;
            int start = pos;
            if (peek() == '-' || peek() == '+') {
                pos++;
            }
            int intDigits = digits();
            int fracDigits = 0;
            if (peek() == '.') {
                pos++;
                fracDigits = digits();
            }
            if (intDigits + fracDigits == 0) {
                throw error(start, "expected a Julian day number");
            }
            double jd = Double.parseDouble(text.substring(start, pos));
            if (modified) {
                jd += 2400000.5;
            }
            Zone zone = Zone.TDT;
            if (pos < end) {
                if (peek() != '_') {
                    throw error(pos, "unexpected '" + peek() + "' after the Julian day");
                }
                pos++;
                zone = zone(end);
            }
            double label = (jd - JD_EPOCH) * 86400.0;
            return zone.toTai(label, false);
        }

        private Zone zone(int end) {
            int start = pos;
            if (start >= end) {
                throw error(start, "expected a time zone");
            }
            Zone z = Zone.of(text.substring(start, end));
            if (z == null) {
                throw error(start, "unknown time zone '" + text.substring(start, end) + "'");
            }
            pos = end;
            return z;
        }

        private double calendar(int end) {
            // ---- year (or compact YYYYMMDD / YYYYDDD)
            int yearStart = pos;
            boolean negative = false;
            if (peek() == '-' || peek() == '+') {
                negative = peek() == '-';
                pos++;
            }
            int digitsStart = pos;
            int n = digits();
            if (n == 0) {
                throw error(digitsStart, "expected a year");
            }
            long year;
            int month = 1;
            long day = 1;
            boolean iso = false;
            double dayFraction = -1;
            if (n == 8 && !negative) {
                year = Long.parseLong(text.substring(digitsStart, digitsStart + 4));
                month = Integer.parseInt(text.substring(digitsStart + 4, digitsStart + 6));
                day = Integer.parseInt(text.substring(digitsStart + 6, digitsStart + 8));
                checkMonth(month, digitsStart + 4);
                checkDay(year, month, day, digitsStart + 6);
                iso = true;
            } else if (n == 7 && !negative) {
                year = Long.parseLong(text.substring(digitsStart, digitsStart + 4));
                day = Integer.parseInt(text.substring(digitsStart + 4, digitsStart + 7));
                checkDayOfYear(year, day, digitsStart + 4);
                iso = true;
            } else if (n <= 5) {
                year = Long.parseLong(text.substring(digitsStart, pos));
                if (negative) {
                    year = -year;
                }
                if (peek() == '.' || peek() == '-') {
                    iso = peek() == '-';
                    pos++;
                    int monthStart = pos;
                    int m = digits();
                    if (m == 0) {
                        while (pos < end && Character.isLetter(text.charAt(pos))) {
                            pos++;
                        }
                        month = monthName(text.substring(monthStart, pos));
                        if (month == 0) {
                            throw error(monthStart, "expected a month number or name");
                        }
                    } else if (m == 3) {
                        day = Integer.parseInt(text.substring(monthStart, pos));
                        checkDayOfYear(year, day, monthStart);
                        month = 1;
                        m = -1; // day of year: no day field follows
                    } else if (m <= 2) {
                        month = Integer.parseInt(text.substring(monthStart, pos));
                        checkMonth(month, monthStart);
                    } else {
                        throw error(monthStart, "month must have 1 or 2 digits (3 for a day of year)");
                    }
                    if (m != -1 && (peek() == '.' || (iso && peek() == '-'))) {
                        pos++;
                        int dayStart = pos;
                        int d = digits();
                        if (d == 0 || d > 2) {
                            throw error(dayStart, "expected a day of month");
                        }
                        day = Integer.parseInt(text.substring(dayStart, pos));
                        checkDay(year, month, day, dayStart);
                    }
                }
            } else {
                throw error(yearStart, "year has too many digits");
            }
            // ---- fractional day
            if (peek() == '.') {
                pos++;
                int fracStart = pos;
                if (digits() == 0) {
                    throw error(fracStart, "expected a day fraction");
                }
                dayFraction = Double.parseDouble("0." + text.substring(fracStart, pos));
            }
            double label = new CalendarDate(year, 1, 1).epochSeconds()
                + (CalendarDate.dayNumber(year, month, day) - CalendarDate.dayNumber(year, 1, 1)) * 86400.0;
            if (dayFraction >= 0) {
                label += dayFraction * 86400.0;
            }
            // ---- clock and zone
            Zone zone = Zone.UTC;
            boolean secondSixty = false;
            if (pos < end) {
                char c = peek();
                boolean separator = c == '_' || (iso && (c == 'T' || c == ' '));
                if (separator) {
                    pos++;
                    if (dayFraction < 0 && Character.isDigit(peek())) {
                        int clockStart = pos;
                        double[] clock = clock(end);
                        label += clock[0];
                        secondSixty = clock[1] >= 60.0;
                        if (pos < end) {
                            zone = zoneAfterClock(end, clockStart);
                        }
                    } else if (c == '_') {
                        zone = zone(end);
                    } else {
                        throw error(pos, "expected a clock time hh:mm:ss");
                    }
                } else if (Character.isLetter(c) && end - pos == 1) {
                    zone = zone(end);
                } else {
                    throw error(pos, "unexpected '" + c + "'");
                }
            }
            if (pos != end) {
                throw error(pos, "unexpected text");
            }
            return zone.toTai(label, secondSixty);
        }

        private Zone zoneAfterClock(int end, int clockStart) {
            char c = peek();
            if (c == '_') {
                pos++;
                return zone(end);
            }
            if (c == '+' || c == '-') {
                return zone(end);
            }
            if (Character.isLetter(c) && end - pos == 1) {
                return zone(end);
            }
            throw error(pos, "unexpected '" + c + "' after the clock");
        }

        /** hh[:mm[:ss[.fff]]] → {seconds of day, seconds field}. */
        private double[] clock(int end) {
            int hourStart = pos;
            int h = digits();
            if (h == 0 || h > 2) {
                throw error(hourStart, "expected an hour of 1 or 2 digits");
            }
            int hour = Integer.parseInt(text.substring(hourStart, pos));
            if (hour > 24) {
                throw error(hourStart, "hour out of range");
            }
            int minute = 0;
            double second = 0.0;
            if (peek() == ':') {
                pos++;
                int minuteStart = pos;
                int m = digits();
                if (m == 0 || m > 2) {
                    throw error(minuteStart, "expected minutes");
                }
                minute = Integer.parseInt(text.substring(minuteStart, pos));
                if (minute > 59) {
                    throw error(minuteStart, "minutes out of range");
                }
                if (peek() == ':') {
                    pos++;
                    int secondStart = pos;
                    int s = digits();
                    if (s == 0 || s > 2) {
                        throw error(secondStart, "expected seconds");
                    }
                    if (peek() == '.') {
                        pos++;
                        digits();
                    }
                    second = Double.parseDouble(text.substring(secondStart, pos));
                    if (second >= 61.0) {
                        throw error(secondStart, "seconds out of range");
                    }
                }
            }
            return new double[] {hour * 3600.0 + minute * 60.0 + second, second};
        }

        private void checkMonth(int month, int at) {
            if (month < 1 || month > 12) {
                throw error(at, "month out of range");
            }
        }

        private void checkDay(long year, int month, long day, int at) {
            if (day < 1 || day > monthLength(year, month)) {
                throw error(at, "day out of range");
            }
        }

        private void checkDayOfYear(long year, long day, int at) {
            if (day < 1 || day > (CalendarDate.isLeapYear(year) ? 366 : 365)) {
                throw error(at, "day of year out of range");
            }
        }
    }

    private static int monthLength(long year, int month) {
        switch (month) {
            case 2:
                return CalendarDate.isLeapYear(year) ? 29 : 28;
            case 4:
            case 6:
            case 9:
            case 11:
                return 30;
            default:
                return 31;
        }
    }

    private static final String[] ROMAN = {"I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"};
    private static final String[] MONTHS =
        {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};

    /** Month by name (first three letters decide, as in timeio) or Roman numeral; 0 when not one. */
    static int monthName(String name) {
        String n = name.toUpperCase(Locale.ROOT);
        for (int i = 0; i < 12; i++) {
            if (n.equals(ROMAN[i])) {
                return i + 1;
            }
        }
        if (n.length() < 3) {
            return 0;
        }
        for (int i = 0; i < 12; i++) {
            if (n.startsWith(MONTHS[i])) {
                return i + 1;
            }
        }
        return 0;
    }

    // ------------------------------------------------------------------------------------------ printing

    /**
     * Formats a time as DRMS {@code sprint_time}: {@code 2010.05.01_00:00:00_TAI}; single-letter and offset zones
     * are appended without {@code _} ({@code ...Z}); {@code ISO} gives {@code 2010-05-01T00:00:00Z} (UTC);
     * {@code JD}/{@code MJD} give {@code JD_2455317.5} (of the TDT clock). Precision −9..9 is the number of digits
     * after the seconds; −1 drops seconds, −2 minutes, −3 the clock (and a concatenated zone), −4 the day,
     * −5 and less the month. Dropped fields are truncated, kept seconds rounded (as C printf: exact binary value, ties to even); a rounding up to second 60
     * carries into the minute (or to the leap second 60 when one is inserted there). A null or empty zone
     * prints UTC without a suffix; an unknown zone name is printed as given but with UTC clock (as timeio).
     * NaN and infinities print as MISSING.
     */
    public static String format(double tai, String zone, int precision) {
        if (precision > 9) {
            precision = 9;
        }
        if (precision < -9) {
            precision = -9;
        }
        if (Double.isNaN(tai) || Double.isInfinite(tai)) {
            tai = MISSING;
        }
        boolean noZone = zone == null || zone.isBlank();
        String upper = noZone ? "" : zone.trim().toUpperCase(Locale.ROOT);
        if (Math.abs(tai) > 6.776e16) {
            upper = "JD";
        }
        if (upper.equals("JD") || upper.equals("MJD")) {
            double jd = (tai + 32.184) / 86400.0 + JD_EPOCH;
            if (upper.equals("MJD")) {
                jd -= 2400000.5;
            }
            // printf rounds the exact binary value, ties to even
            return upper + "_" + new BigDecimal(jd).setScale(Math.max(precision, 0), RoundingMode.HALF_EVEN).toPlainString();
        }
        if (upper.equals("ISO")) {
            Clock c = clock(new BigDecimal(tai), Zone.UTC, precision);
            if (c.date.year() >= 1583 && c.date.year() <= 9999) {
                return iso(c, precision);
            }
            upper = "Z";
        }
        Zone z = noZone ? Zone.UTC : Zone.of(upper);
        String suffix;
        if (z == null) {
            z = Zone.UTC;
            String printed = upper.length() > 5 ? upper.substring(0, 5) : upper;
            suffix = (printed.length() == 1 || printed.startsWith("+") || printed.startsWith("-"))
                ? printed : "_" + printed;
        } else if (noZone) {
            suffix = "";
        } else {
            suffix = z.concatenated() ? z.name() : "_" + z.name();
        }
        boolean concat = noZone || !suffix.startsWith("_");
        Clock c = clock(new BigDecimal(tai), z, precision);
        String date = String.format(Locale.ROOT, "%04d.%02d.%02d", c.date.year(), c.date.month(), c.date.day());
        switch (Math.max(precision, -5)) {
            case -1:
                return String.format(Locale.ROOT, "%s_%02d:%02d", date, c.hour, c.minute) + suffix;
            case -2:
                return String.format(Locale.ROOT, "%s_%02d", date, c.hour) + suffix;
            case -3:
                return date + (concat ? "" : suffix);
            case -4:
                return String.format(Locale.ROOT, "%04d.%02d", c.date.year(), c.date.month()) + (concat ? "" : suffix);
            case -5:
                return String.format(Locale.ROOT, "%04d", c.date.year()) + (concat ? "" : suffix);
            default:
                return String.format(Locale.ROOT, "%s_%02d:%02d:%s", date, c.hour, c.minute, c.seconds) + suffix;
        }
    }

    private static String iso(Clock c, int precision) {
        String date = String.format(Locale.ROOT, "%04d-%02d-%02d", c.date.year(), c.date.month(), c.date.day());
        switch (Math.max(precision, -5)) {
            case -1:
                return String.format(Locale.ROOT, "%sT%02d:%02dZ", date, c.hour, c.minute);
            case -2:
                return String.format(Locale.ROOT, "%sT%02dZ", date, c.hour);
            case -3:
                return date;
            case -4:
                return String.format(Locale.ROOT, "%04d-%02d", c.date.year(), c.date.month());
            case -5:
                return String.format(Locale.ROOT, "%04d", c.date.year());
            default:
                return String.format(Locale.ROOT, "%sT%02d:%02d:%sZ", date, c.hour, c.minute, c.seconds);
        }
    }

    /** A broken-down clock reading; seconds already formatted ("05", "05.250", "60.000"). */
    private record Clock(CalendarDate date, int hour, int minute, String seconds) {
    }

    private static Clock clock(BigDecimal tai, Zone zone, int precision) {
        double t = tai.doubleValue();
        boolean leap = zone.inLeapSecond(t);
        // clock reading, exact: TAI plus the (whole or millisecond) zone/leap adjustment
        BigDecimal adjust = BigDecimal.valueOf(zone.offset());
        if (!zone.atomic()) {
            adjust = adjust.subtract(BigDecimal.valueOf(LeapSeconds.offsetAtTai(t)));
        }
        BigDecimal label = tai.add(adjust);
        BigDecimal whole = label.setScale(0, RoundingMode.FLOOR);
        BigDecimal fraction = label.subtract(whole);
        String secondsFraction = "";
        if (precision >= 0) {
            BigDecimal rounded = fraction.setScale(precision, RoundingMode.HALF_EVEN); // as printf: exact value, ties to even
            if (rounded.compareTo(BigDecimal.ONE) >= 0) {
                // rounds up to the next clock second: print that second exactly (it may be a leap second 60)
                return clock(tai.add(BigDecimal.ONE.subtract(fraction)), zone, precision);
            }
            if (precision > 0) {
                secondsFraction = rounded.toPlainString().substring(1); // ".250"
            }
        }
        long w = whole.longValueExact();
        long days = Math.floorDiv(w, 86400L);
        int secondOfDay = (int) Math.floorMod(w, 86400L);
        CalendarDate date = CalendarDate.of(days + CalendarDate.EPOCH_DAY);
        int hour = secondOfDay / 3600;
        int minute = secondOfDay % 3600 / 60;
        int second = secondOfDay % 60 + (leap ? 1 : 0);
        return new Clock(date, hour, minute, String.format(Locale.ROOT, "%02d", second) + secondsFraction);
    }

    // ------------------------------------------------------------------------------------------ durations

    /**
     * Seconds in a duration / step string: a number with an optional unit, e.g. {@code 45s}, {@code 12m},
     * {@code 1h}, {@code 1d}, {@code 0.5d}, {@code 1.5 mins}; a plain number is seconds. Units (case-insensitive):
     * s|sec|secs|second|seconds, m|min|mins|minute|minutes, h|hr|hrs|hour|hours, d|day|days, w|week|weeks,
     * ts|tenthsec|tenthsecs (0.1 s).
     *
     * @throws TimeFormatException (an IllegalArgumentException) with the position of the fault
     */
    public static double parseDuration(String text) {
        if (text == null || text.isBlank()) {
            throw new TimeFormatException(text == null ? "" : text, 0, "empty duration");
        }
        int start = 0;
        while (text.charAt(start) == ' ') {
            start++;
        }
        int end = text.length();
        while (text.charAt(end - 1) == ' ') {
            end--;
        }
        int i = start;
        if (text.charAt(i) == '+' || text.charAt(i) == '-') {
            i++;
        }
        int numberStart = i;
        while (i < end && (Character.isDigit(text.charAt(i)) || text.charAt(i) == '.')) {
            i++;
        }
        if (i < end && (text.charAt(i) == 'e' || text.charAt(i) == 'E') && i + 1 < end
            && (Character.isDigit(text.charAt(i + 1)) || text.charAt(i + 1) == '-' || text.charAt(i + 1) == '+')) {
            i += 2;
            while (i < end && Character.isDigit(text.charAt(i))) {
                i++;
            }
        }
        double number;
        try {
            number = Double.parseDouble(text.substring(start, i));
        } catch (NumberFormatException e) {
            throw new TimeFormatException(text, numberStart, "expected a number");
        }
        int unitStart = i;
        while (unitStart < end && text.charAt(unitStart) == ' ') {
            unitStart++;
        }
        if (unitStart == end) {
            return number;
        }
        Double unit = unitSeconds(text.substring(unitStart, end));
        if (unit == null) {
            throw new TimeFormatException(text, unitStart, "unknown time unit '" + text.substring(unitStart, end) + "'");
        }
        return number * unit;
    }

    /**
     * Seconds in one time unit, for duration suffixes and the {@code <KEY>_unit} words of ts_eq / ts_slot keys
     * ({@code tenthsecs|secs|mins|hours|days}); null when the word is not a time unit. DRMS's slot code does not
     * convert {@code hours} (specs/drms.md §3 caveat); we do, as 3600 s.
     */
    public static Double unitSeconds(String unit) {
        switch (unit.trim().toLowerCase(Locale.ROOT)) {
            case "s":
            case "sec":
            case "secs":
            case "second":
            case "seconds":
                return 1.0;
            case "ts":
            case "tenthsec":
            case "tenthsecs":
                return 0.1;
            case "m":
            case "min":
            case "mins":
            case "minute":
            case "minutes":
                return 60.0;
            case "h":
            case "hr":
            case "hrs":
            case "hour":
            case "hours":
                return 3600.0;
            case "d":
            case "day":
            case "days":
                return 86400.0;
            case "w":
            case "week":
            case "weeks":
                return 604800.0;
            default:
                return null;
        }
    }
}
