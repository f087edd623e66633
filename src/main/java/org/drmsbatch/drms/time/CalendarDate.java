package org.drmsbatch.drms.time;

/**
 * A calendar date as DRMS timeio reckons it: the Gregorian calendar from 1582.10.15 on, the Julian calendar
 * before that (proleptic, astronomical year numbering: year 0 exists, -4712 is 4713 BC). This is what makes
 * {@code -4712.01.01_12:00:00_TDT} (Julian day 0) come out as {@link DrmsTime#MISSING}.
 *
 * <p>Day numbers are Julian day numbers (the JD at noon of the date); 1977.01.01 is day 2443145.
 */
public record CalendarDate(long year, int month, int day) {

    /** Julian day number of 1582.10.15, the first Gregorian day. */
    static final long GREGORIAN_START = 2299161L;

    /** Julian day number of 1977.01.01, the DRMS epoch date. */
    static final long EPOCH_DAY = 2443145L;

    /**
     * The Julian day number of year/month/day; day may run past the month's end (it rolls on, as in DRMS),
     * month must be 1..12.
     */
    public static long dayNumber(long year, int month, long day) {
        long a = (14 - month) / 12;
        long y = year + 4800 - a;
        long m = month + 12 * a - 3;
        long common = (153 * m + 2) / 5 + 365 * y + Math.floorDiv(y, 4);
        long gregorian = day + common - Math.floorDiv(y, 100) + Math.floorDiv(y, 400) - 32045;
        // date-ordering comparison: from 1582.10.15 on, the Gregorian calendar
        if (year > 1582 || (year == 1582 && (month > 10 || (month == 10 && day >= 15)))) {
            return gregorian;
        }
        return day + common - 32083;
    }

    public long dayNumber() {
        return dayNumber(year, month, day);
    }

    /** The calendar date of a Julian day number. */
    public static CalendarDate of(long jdn) {
        long b;
        long c;
        if (jdn >= GREGORIAN_START) {
            long a = jdn + 32044;
            b = Math.floorDiv(4 * a + 3, 146097);
            c = a - Math.floorDiv(146097 * b, 4);
        } else {
            b = 0;
            c = jdn + 32082;
        }
        long d = Math.floorDiv(4 * c + 3, 1461);
        long e = c - Math.floorDiv(1461 * d, 4);
        long m = Math.floorDiv(5 * e + 2, 153);
        int day = (int) (e - Math.floorDiv(153 * m + 2, 5) + 1);
        int month = (int) (m + 3 - 12 * Math.floorDiv(m, 10));
        long year = 100 * b + d - 4800 + Math.floorDiv(m, 10);
        return new CalendarDate(year, month, day);
    }

    /** Whether the year is a leap year in the calendar DRMS uses for it. */
    public static boolean isLeapYear(long year) {
        if (year > 1582) {
            return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        }
        return Math.floorMod(year, 4) == 0;
    }

    /** Seconds since 1977.01.01_00:00:00 (no zone applied) of midnight starting this date. */
    public double epochSeconds() {
        return (dayNumber() - EPOCH_DAY) * 86400.0;
    }
}
