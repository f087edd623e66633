package org.drmsbatch.drms.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Printing as DRMS sprint_time. 1 051 747 200 s = 2010.05.01_00:00:00_TAI (see DrmsTimeParseTest for the
 * arithmetic); TAI−UTC is 34 s then. 1 262 304 000 s is the label of 2017.01.01_00:00:00; the leap second
 * 2016.12.31_23:59:60 UTC is TAI 1 262 304 036 .. 037. Seconds round like C printf: exact ties go to even
 * (0.125 -> .12, 0.375 -> .38; both are exact binary fractions).
 */
class DrmsTimeFormatTest {

    private static final double MAY1 = 1_051_747_200.0;
    private static final double JAN1_2017 = 1_262_304_000.0;

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        // offset from MAY1 | zone | precision | expected
        "0       | TAI  | 0  | 2010.05.01_00:00:00_TAI",
        "0       | tai  | 0  | 2010.05.01_00:00:00_TAI",
        "34      | UTC  | 0  | 2010.05.01_00:00:00_UTC",
        "34      | UT   | 0  | 2010.05.01_00:00:00_UT",
        "34      | Z    | 0  | 2010.05.01_00:00:00Z",
        "34      | ISO  | 0  | 2010-05-01T00:00:00Z",
        "34.25   | ISO  | 3  | 2010-05-01T00:00:00.250Z",
        "34      | ISO  | -1 | 2010-05-01T00:00Z",
        "34      | ISO  | -2 | 2010-05-01T00Z",
        "34      | ISO  | -3 | 2010-05-01",
        "34      | ISO  | -4 | 2010-05",
        "34      | ISO  | -5 | 2010",
        "45296.5 | TAI  | 1  | 2010.05.01_12:34:56.5_TAI",
        "45296.5 | TAI  | 3  | 2010.05.01_12:34:56.500_TAI",
        "0.125   | TAI  | 2  | 2010.05.01_00:00:00.12_TAI",
        "0.375   | TAI  | 2  | 2010.05.01_00:00:00.38_TAI",
        "59.9996 | TAI  | 3  | 2010.05.01_00:01:00.000_TAI",
        "59.9996 | TAI  | 0  | 2010.05.01_00:01:00_TAI",
        "86399.6 | TAI  | 0  | 2010.05.02_00:00:00_TAI",
        "59.4    | TAI  | 0  | 2010.05.01_00:00:59_TAI",
        "45296.5 | TAI  | -1 | 2010.05.01_12:34_TAI",
        "45296.5 | TAI  | -2 | 2010.05.01_12_TAI",
        "45296.5 | TAI  | -3 | 2010.05.01_TAI",
        "45296.5 | TAI  | -4 | 2010.05_TAI",
        "45296.5 | TAI  | -5 | 2010_TAI",
        "45296.5 | TAI  | -9 | 2010_TAI",
        "45330.5 | Z    | -1 | 2010.05.01_12:34Z",
        "45330.5 | Z    | -3 | 2010.05.01",
        "45330.5 | Z    | -4 | 2010.05",
        "34      | PST  | 0  | 2010.04.30_16:00:00_PST",
        "34      | JST  | 0  | 2010.05.01_09:00:00_JST",
        "34      | +0100| 0  | 2010.05.01_01:00:00+0100",
        "34      | A    | 0  | 2010.05.01_01:00:00A",
        "0       | TDT  | 3  | 2010.05.01_00:00:32.184_TDT",
        "0       | TT   | 0  | 2010.05.01_00:00:32_TT",
        "0       | GPS  | 0  | 2010.04.30_23:59:41_GPS",
    })
    void formats(double offset, String zone, int precision, String expected) {
        assertThat(DrmsTime.format(MAY1 + offset, zone, precision)).isEqualTo(expected);
    }

    @Test
    void noZonePrintsUtcWithoutSuffix() {
        assertThat(DrmsTime.format(MAY1 + 34, null, 0)).isEqualTo("2010.05.01_00:00:00");
        assertThat(DrmsTime.format(MAY1 + 34, "", 2)).isEqualTo("2010.05.01_00:00:00.00");
    }

    @Test
    void unknownZonePrintsUtcClockWithTheNameAsGiven() {
        // timeio: unrecognised zones are read as UTC; the name (first 5 letters, upper case) is still printed
        assertThat(DrmsTime.format(MAY1 + 34, "none", 0)).isEqualTo("2010.05.01_00:00:00_NONE");
        assertThat(Zone.of("J")).isNull();
        assertThat(Zone.of("XYZ")).isNull();
    }

    @Test
    void julianDays() {
        // TAI −32.184 is JD 2443144.5 on the TDT clock; MJD = JD − 2400000.5 = 43144.0
        assertThat(DrmsTime.format(-32.184, "JD", 1)).isEqualTo("JD_2443144.5");
        assertThat(DrmsTime.format(-32.184, "MJD", 2)).isEqualTo("MJD_43144.00");
        // 1.5 days later
        assertThat(DrmsTime.format(-32.184 + 129600, "jd", 2)).isEqualTo("JD_2443146.00");
        assertThat(DrmsTime.format(-32.184, "JD", -2)).isEqualTo("JD_2443144"); // %.0f: exact tie, to even
    }

    @Test
    void leapSecondPrintsSixty() {
        assertThat(DrmsTime.format(JAN1_2017 + 35, "UTC", 0)).isEqualTo("2016.12.31_23:59:59_UTC");
        assertThat(DrmsTime.format(JAN1_2017 + 36, "UTC", 0)).isEqualTo("2016.12.31_23:59:60_UTC");
        assertThat(DrmsTime.format(JAN1_2017 + 36.5, "UTC", 1)).isEqualTo("2016.12.31_23:59:60.5_UTC");
        assertThat(DrmsTime.format(JAN1_2017 + 36, "ISO", 0)).isEqualTo("2016-12-31T23:59:60Z");
        assertThat(DrmsTime.format(JAN1_2017 + 37, "UTC", 0)).isEqualTo("2017.01.01_00:00:00_UTC");
        assertThat(DrmsTime.format(JAN1_2017 + 37, "TAI", 0)).isEqualTo("2017.01.01_00:00:37_TAI");
        // rounding into the leap second, and out of it
        assertThat(DrmsTime.format(JAN1_2017 + 35.9996, "UTC", 3)).isEqualTo("2016.12.31_23:59:60.000_UTC");
        assertThat(DrmsTime.format(JAN1_2017 + 36.9996, "UTC", 3)).isEqualTo("2017.01.01_00:00:00.000_UTC");
        // in another civil zone the leap second is at local 15:59:60 (PST = UTC − 8 h)
        assertThat(DrmsTime.format(JAN1_2017 + 36, "PST", 0)).isEqualTo("2016.12.31_15:59:60_PST");
    }

    @Test
    void missingAndNegativeYears() {
        assertThat(DrmsTime.format(DrmsTime.MISSING, "TDT", 3)).isEqualTo("-4712.01.01_12:00:00.000_TDT");
        assertThat(DrmsTime.format(Double.NaN, "TDT", 3)).isEqualTo("-4712.01.01_12:00:00.000_TDT");
        // ISO cannot show years before 1583: timeio falls back to the Z form
        assertThat(DrmsTime.format(DrmsTime.MISSING + 32.184 - 43200, "ISO", 0)).isEqualTo("-4712.01.01_00:00:00Z");
    }

    @Test
    void epochsPrint() {
        assertThat(DrmsTime.format(0.0, "TAI", 0)).isEqualTo("1977.01.01_00:00:00_TAI");
        assertThat(DrmsTime.format(DrmsTime.epoch("MDI_EPOCH"), "TAI", 0)).isEqualTo("1993.01.01_00:00:00_TAI");
        assertThat(DrmsTime.format(DrmsTime.epoch("WSO_EPOCH"), "UT", 0)).isEqualTo("1601.01.01_00:00:00_UT");
        assertThat(DrmsTime.format(DrmsTime.epoch("MJD_EPOCH"), "UTC", 0)).isEqualTo("1858.11.17_00:00:00_UTC");
        assertThat(DrmsTime.format(DrmsTime.epoch("TAI_EPOCH"), "TAI", 0)).isEqualTo("1958.01.01_00:00:00_TAI");
        // Julian calendar: the day before 1582.10.15 is 1582.10.04
        assertThat(DrmsTime.format(DrmsTime.parse("1582.10.15_TAI") - 86400, "TAI", -3)).isEqualTo("1582.10.04_TAI");
    }

    @Test
    void roundTripsAcrossZonesAndPrecisions() {
        String[] zones = {"TAI", "UTC", "UT", "Z", "ISO", "TT", "TDT", "GPS", "PST", "CET", "JST", "+0530", "-0800",
            "A", "N", "Y", "JD", "MJD"};
        double[] times = {0.0, MAY1 + 45296.789, JAN1_2017 + 35.5, JAN1_2017 + 36.25, JAN1_2017 + 37.0,
            -599_616_000.0 + 0.5, -1827 * 86400.0 + 9.75, DrmsTime.MISSING, -11_865_398_400.0 - 86400 * 365.25 * 200,
            4_000_000_000.123};
        for (double t : times) {
            for (String zone : zones) {
                for (int precision = 3; precision <= 9; precision += 3) {
                    if ((zone.equals("JD") || zone.equals("MJD")) && precision < 9) {
                        continue; // a JD with 3 decimals is only good to 86 s
                    }
                    String text = DrmsTime.format(t, zone, precision);
                    assertThat(DrmsTime.parse(text)).as("%s (%s, %d) -> %s", t, zone, precision, text)
                        .isCloseTo(t, within(2e-3));
                }
            }
        }
    }

    @Test
    void roundTripsWithWholeSecondPrecision() {
        for (double t = JAN1_2017 + 30; t < JAN1_2017 + 45; t += 1.0) {
            for (String zone : new String[] {"UTC", "TAI", "Z", "ISO", "PST"}) {
                String text = DrmsTime.format(t, zone, 0);
                assertThat(DrmsTime.parse(text)).as(text).isEqualTo(t);
            }
        }
    }
}
