package org.drmsbatch.drms.time;

import java.util.Arrays;

/**
 * The TAI−UTC table DRMS uses (timeio.c {@code ut_leap_time}): whole-second steps, 37 s since 2017.01.01.
 *
 * <p>Before 1972 DRMS does not use the fractional rubber-second offsets of real UTC, nor a flat 10 s: its table
 * counts one whole second at each of nine dates from 1960.01.01 to 1971.01.01 (so TAI−UTC is 0 before 1960,
 * 1 s from 1960, …, 9 s in 1971, 10 s from 1972.01.01). We keep exactly that table, because real series
 * defaults depend on it: {@code -4712.01.01_11:59:28Z} is MISSING only if TAI−UTC is 0 in 4713 BC.
 *
 * <p>UTC times here are "labels": seconds since 1977.01.01_00:00:00 counted as if every day had 86400 s.
 */
public final class LeapSeconds {

    /** UTC dates (year, month) at whose 00:00:00 TAI−UTC grows by one second. */
    private static final int[][] DATES = {
        {1960, 1}, {1962, 7}, {1964, 7}, {1965, 7}, {1966, 7}, {1968, 1}, {1969, 1}, {1970, 1}, {1971, 1},
        {1972, 1}, {1972, 7}, {1973, 1}, {1974, 1}, {1975, 1}, {1976, 1}, {1977, 1}, {1978, 1}, {1979, 1},
        {1980, 1}, {1981, 7}, {1982, 7}, {1983, 7}, {1985, 7}, {1988, 1}, {1990, 1}, {1991, 1}, {1992, 7},
        {1993, 7}, {1994, 7}, {1996, 1}, {1997, 7}, {1999, 1}, {2006, 1}, {2009, 1}, {2012, 7}, {2015, 7},
        {2017, 1},
    };

    /** UTC labels of the dates above. */
    private static final double[] UTC_STARTS = new double[DATES.length];

    /** TAI instants of the dates above (label + new offset); the leap second is the TAI second just before. */
    private static final double[] TAI_STARTS = new double[DATES.length];

    static {
        for (int i = 0; i < DATES.length; i++) {
            UTC_STARTS[i] = new CalendarDate(DATES[i][0], DATES[i][1], 1).epochSeconds();
            TAI_STARTS[i] = UTC_STARTS[i] + (i + 1);
        }
    }

    private LeapSeconds() {
    }

    /** TAI−UTC in seconds at a UTC label (0 before 1960). */
    public static int offsetAtUtc(double utc) {
        int n = Arrays.binarySearch(UTC_STARTS, utc);
        return n >= 0 ? n + 1 : -n - 1;
    }

    /** TAI−UTC in seconds at a TAI instant; during a leap second this is already the new value. */
    public static int offsetAtTai(double tai) {
        int n = 0;
        while (n < TAI_STARTS.length && tai >= TAI_STARTS[n] - 1.0) {
            n++;
        }
        return n;
    }

    /** Whether a TAI instant falls inside an inserted leap second (printed as second 60). */
    public static boolean isLeapSecond(double tai) {
        for (double start : TAI_STARTS) {
            if (tai >= start - 1.0 && tai < start) {
                return true;
            }
        }
        return false;
    }

    /**
     * TAI of a UTC label. A label whose seconds field was 60 or more (a leap second, {@code 23:59:60}) is passed
     * with {@code secondSixty} set: it then counts the offset in force one second earlier.
     */
    public static double utcToTai(double utc, boolean secondSixty) {
        if (secondSixty) {
            return utc - 1.0 + offsetAtUtc(utc - 1.0) + 1.0;
        }
        return utc + offsetAtUtc(utc);
    }

    /**
     * The UTC label of a TAI instant. Inside a leap second this is the label of 23:59:59.x; the caller
     * prints second 60 then ({@link #isLeapSecond}).
     */
    public static double taiToUtc(double tai) {
        return tai - offsetAtTai(tai);
    }

    /** The number of entries (37 since 2017.01.01). */
    public static int count() {
        return DATES.length;
    }
}
