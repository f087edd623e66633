package org.drmsbatch.drms.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Parsing. Reference values worked by hand:
 * <ul>
 * <li>2010.05.01 is 33 years after 1977.01.01 with 8 leap days (1980..2008) = 12045+8 = 12053 days to 2010.01.01,
 *     plus Jan..Apr = 31+28+31+30 = 120 days: 12173 d × 86400 = 1 051 747 200 s (= MDI epoch 504 921 600
 *     + 546 825 600 from specs/drms.md §3). TAI−UTC in 2010 = 34 s.</li>
 * <li>2010.01.01 = 12053 d × 86400 = 1 041 379 200 s.</li>
 * <li>2017.01.01 = 40 years + 10 leap days (1980..2016) = 14610 d × 86400 = 1 262 304 000 s; TAI−UTC 36 s before,
 *     37 s from then.</li>
 * <li>2015.06.07 = 38 years + 9 leap days = 13879 d, + 151 (Jan..May) + 6 = 14036 d × 86400 = 1 212 710 400 s;
 *     TAI−UTC 35 s (2015.07.01 adds the 36th).</li>
 * </ul>
 */
class DrmsTimeParseTest {

    private static final Offset<Double> MS = within(1e-3);
    private static final double MAY1 = 1_051_747_200.0;
    private static final double JAN1_2010 = 1_041_379_200.0;
    private static final double JAN1_2017 = 1_262_304_000.0;

    @Test
    void epochOfDrmsIsZero() {
        assertThat(DrmsTime.parse("1977.01.01_00:00:00_TAI")).isEqualTo(0.0);
        assertThat(DrmsTime.parse("1977.01.01_TAI")).isEqualTo(0.0);
    }

    @ParameterizedTest
    @CsvSource({
        "2010.05.01_00:00:00_TAI",
        "2010.05.01_00:00_TAI",
        "2010.05.01_00_TAI",
        "2010.05.01_TAI",
        "2010.05.01_00:00:00.000_TAI",
        "2010.5.1_TAI",
        "2010.May.01_TAI",
        "2010.may.01_00:00_tai",
        "2010.MAY.1_TAI",
        "2010.V.01_TAI",
        "2010.121_TAI",           // day of year 121 = 120 (Jan..Apr) + 1
        "2010121_TAI",
        "20100501_TAI",
        "2010-05-01T00:00:00_TAI",
        "2010.05_TAI",            // missing day defaults to 01
        "  2010.05.01_TAI  ",
    })
    void calendarFormsOfMayFirstTai(String text) {
        assertThat(DrmsTime.parse(text)).isCloseTo(MAY1, MS);
    }

    @Test
    void missingMonthAndDayDefaultToJanuaryFirst() {
        assertThat(DrmsTime.parse("2010_TAI")).isEqualTo(JAN1_2010);
        // no zone: UTC, 34 s behind TAI in 2010
        assertThat(DrmsTime.parse("2010")).isEqualTo(JAN1_2010 + 34);
    }

    @Test
    void noZoneMeansUtc() {
        assertThat(DrmsTime.parse("2010.05.01")).isEqualTo(MAY1 + 34);
        assertThat(DrmsTime.parse("2010.05.01_00:00")).isEqualTo(MAY1 + 34);
        assertThat(DrmsTime.parse("2010.05.01_00:00:00_UTC")).isEqualTo(MAY1 + 34);
        assertThat(DrmsTime.parse("2010.05.01_00:00:00_UT")).isEqualTo(MAY1 + 34);
        // specs/drms.md §2.3: hmi.m_720s[2015.6.7/2h] starts at 2015-06-07 00:00 UTC = 00:00:35 TAI
        assertThat(DrmsTime.parse("2015.6.7")).isEqualTo(1_212_710_400.0 + 35);
        // specs/drms.md §2.4, query form 35: zone-less vs _TAI differ by 34 s in 2010
        assertThat(DrmsTime.parse("2010.11.20") - DrmsTime.parse("2010.11.20_TAI")).isEqualTo(34.0);
    }

    @Test
    void clockFields() {
        // 12:34:56.789 = 12*3600 + 34*60 + 56.789 = 45296.789 s
        assertThat(DrmsTime.parse("2010.05.01_12:34:56.789_TAI")).isCloseTo(MAY1 + 45296.789, MS);
        assertThat(DrmsTime.parse("2010.05.01_12:34_TAI")).isEqualTo(MAY1 + 45240);
        assertThat(DrmsTime.parse("2010.05.01_12_TAI")).isEqualTo(MAY1 + 43200);
    }

    @Test
    void fractionalDay() {
        // .5 day = 43200 s; no zone = UTC
        assertThat(DrmsTime.parse("2010.05.01.5")).isEqualTo(MAY1 + 43200 + 34);
        assertThat(DrmsTime.parse("2010.05.01.25_TAI")).isEqualTo(MAY1 + 21600);
    }

    @Test
    void isoForms() {
        assertThat(DrmsTime.parse("2010-05-01T00:00:00Z")).isEqualTo(MAY1 + 34);
        assertThat(DrmsTime.parse("2010-05-01T00:00:00")).isEqualTo(MAY1 + 34);
        assertThat(DrmsTime.parse("2010-05-01 00:00:00.5Z")).isCloseTo(MAY1 + 34.5, MS);
        assertThat(DrmsTime.parse("2010-05-01T12:00:00.250Z")).isCloseTo(MAY1 + 43200.25 + 34, MS);
        assertThat(DrmsTime.parse("2010-05-01")).isEqualTo(MAY1 + 34);
        assertThat(DrmsTime.parse("20100501T06:00:00Z")).isEqualTo(MAY1 + 21600 + 34);
        // specs/drms.md §2.4, query forms 12 and 13: 2014.01.01 = 37 y·365 + 9 leap days (1980..2012) = 13514 d; TAI−UTC 35 s in 2014
        assertThat(DrmsTime.parse("2014-01-01T00:00:01Z")).isEqualTo(13514 * 86400.0 + 1 + 35);
    }

    @Test
    void julianDayForms() {
        // JD 2443144.5 is 1977.01.01_00:00 on the TDT clock, which is TAI − 32.184 s
        assertThat(DrmsTime.parse("JD_2443144.5")).isCloseTo(-32.184, MS);
        assertThat(DrmsTime.parse("jd_2443144.5")).isCloseTo(-32.184, MS);
        // MJD = JD − 2400000.5
        assertThat(DrmsTime.parse("MJD_43144")).isCloseTo(-32.184, MS);
        assertThat(DrmsTime.parse("JD_2443144.5_TAI")).isCloseTo(0.0, MS);
        // one day and a half later
        assertThat(DrmsTime.parse("MJD_43145.5_TAI")).isCloseTo(129600.0, MS);
    }

    @ParameterizedTest
    @CsvSource({
        // zone text, hours east of UTC (TAI = clock − hours·3600 + 34 in 2010)
        "_UTC, 0", "Z, 0", "_Z, 0", "_GMT, 0", "A, 1", "I, 9", "K, 10", "M, 12", "N, -1", "Y, -12",
        "_PST, -8", "_PDT, -7", "_MST, -7", "_MDT, -6", "_CST, -6", "_CDT, -5", "_EST, -5", "_EDT, -4",
        "_CET, 1", "_CEST, 2", "_JST, 9", "_BST, 1", "_HST, -10", "_AKST, -9", "_pst, -8",
        "+0100, 1", "-0530, -5.5", "+05:30, 5.5", "_+0900, 9", "_-08:00, -8", "+02, 2",
    })
    void civilZones(String zone, double hours) {
        assertThat(DrmsTime.parse("2010.05.01_00:00:00" + zone)).isCloseTo(MAY1 - hours * 3600 + 34, MS);
    }

    @Test
    void atomicZones() {
        assertThat(DrmsTime.parse("2010.05.01_00:00:00_TT")).isCloseTo(MAY1 - 32.184, MS);
        assertThat(DrmsTime.parse("2010.05.01_00:00:00_TDT")).isCloseTo(MAY1 - 32.184, MS);
        assertThat(DrmsTime.parse("2010.05.01_00:00:00_GPS")).isCloseTo(MAY1 + 19, MS);
    }

    @Test
    void leapSecondsAroundNewYear2017() {
        assertThat(DrmsTime.parse("2017.01.01_00:00:00_UTC")).isEqualTo(JAN1_2017 + 37);
        assertThat(DrmsTime.parse("2017.01.01_00:00:37_TAI")).isEqualTo(DrmsTime.parse("2017.01.01_00:00:00_UTC"));
        assertThat(DrmsTime.parse("2016.12.31_23:59:60_UTC")).isEqualTo(JAN1_2017 + 36);
        assertThat(DrmsTime.parse("2016-12-31T23:59:60Z")).isEqualTo(JAN1_2017 + 36);
        assertThat(DrmsTime.parse("2016.12.31_23:59:60.5_UTC")).isEqualTo(JAN1_2017 + 36.5);
        assertThat(DrmsTime.parse("2016.12.31_23:59:59_UTC")).isEqualTo(JAN1_2017 - 1 + 36);
        assertThat(LeapSeconds.offsetAtUtc(JAN1_2017 - 0.5)).isEqualTo(36);
        assertThat(LeapSeconds.offsetAtUtc(JAN1_2017)).isEqualTo(37);
        assertThat(LeapSeconds.count()).isEqualTo(37);
    }

    @Test
    void leapTableBefore1972() {
        // DRMS counts whole seconds from 1960: 0 before, 10 from 1972.01.01
        // 1972.01.01 = 5 years + 2 leap days (1972, 1976) before 1977: −1827 d
        double jan1972 = -1827 * 86400.0;
        assertThat(DrmsTime.parse("1972.01.01_00:00:00_UTC")).isEqualTo(jan1972 + 10);
        assertThat(DrmsTime.parse("1971.12.31_23:59:59_UTC")).isEqualTo(jan1972 - 1 + 9);
        assertThat(LeapSeconds.offsetAtUtc(-600_000_000.0)).isZero();
    }

    @Test
    void epochs() {
        assertThat(DrmsTime.epoch("DRMS_EPOCH")).isEqualTo(0.0);
        // 1993.01.01: 16 years + 4 leap days = 5844 d
        assertThat(DrmsTime.epoch("MDI_EPOCH")).isEqualTo(504_921_600.0);
        assertThat(DrmsTime.epoch("tseq_epoch")).isEqualTo(504_921_600.0);
        // 1958.01.01: −(19 years + 5 leap days) = −6940 d
        assertThat(DrmsTime.epoch("TAI_EPOCH")).isEqualTo(-599_616_000.0);
        // 1601.01.01 UT: −(376 y·365 + 91 leap days) = −137331 d; no leap seconds before 1960
        assertThat(DrmsTime.epoch("WSO_EPOCH")).isEqualTo(-11_865_398_400.0);
        // 1858.11.17 is MJD 0 = JD 2400000.5; (2400000.5 − 2443144.5) d = −43144 d
        assertThat(DrmsTime.epoch("MJD_EPOCH")).isEqualTo(-43144 * 86400.0);
        assertThat(DrmsTime.epoch("NOT_AN_EPOCH")).isNull();
        assertThat(DrmsTime.parse("MDI_EPOCH")).isEqualTo(504_921_600.0);
    }

    @Test
    void missingIsJulianDayZeroOnTheTdtClock() {
        // JD 0 = −2443144.5 d from 1977.01.01 = −211 087 684 800 s of TDT; TAI = TDT − 32.184
        assertThat(DrmsTime.parse("-4712.01.01_12:00:00_TDT")).isCloseTo(DrmsTime.MISSING, MS);
        assertThat(DrmsTime.parse("-4712.01.01_12:00:00.000_TDT")).isCloseTo(DrmsTime.MISSING, MS);
        assertThat(DrmsTime.parse("JD_0")).isCloseTo(DrmsTime.MISSING, MS);
        // JSD default -4712.01.01_11:59:28Z: UTC = TAI then, so 0.184 s after MISSING, still missing by whole seconds
        double jsdDefault = DrmsTime.parse("-4712.01.01_11:59:28Z");
        assertThat(jsdDefault).isCloseTo(DrmsTime.MISSING + 0.184, MS);
        assertThat(DrmsTime.isMissing(jsdDefault)).isTrue();
        assertThat(DrmsTime.isMissing(DrmsTime.MISSING)).isTrue();
        assertThat(DrmsTime.isMissing(Double.NaN)).isTrue();
        assertThat(DrmsTime.isMissing(DrmsTime.MISSING + 1.0)).isFalse();
        assertThat(DrmsTime.isMissing(0.0)).isFalse();
    }

    @Test
    void julianCalendarBefore1582() {
        // 1582.10.04 (Julian) is followed by 1582.10.15 (Gregorian)
        assertThat(DrmsTime.parse("1582.10.15_TAI") - DrmsTime.parse("1582.10.04_TAI")).isEqualTo(86400.0);
        // 1500 is a leap year in the Julian calendar
        assertThat(DrmsTime.parse("1500.03.01_TAI") - DrmsTime.parse("1500.02.28_TAI")).isEqualTo(2 * 86400.0);
        assertThat(DrmsTime.parse("1500.02.29_TAI")).isNotNull();
        // 1900 is not a leap year in the Gregorian calendar
        assertThat(DrmsTime.parse("1900.03.01_TAI") - DrmsTime.parse("1900.02.28_TAI")).isEqualTo(86400.0);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        // text | 0-based position of the fault
        "''                          | 0",
        "abc                         | 0",
        "2010.13.01                  | 5",
        "2010.02.30                  | 8",
        "2010.Foo.01                 | 5",
        "2010.05.01_25:00            | 11",
        "2010.05.01_12:61            | 14",
        "2010.05.01_12:00:61         | 17",
        "2010.05.01_00:00:00_XYZ     | 20",
        "2010.05.01_00:00:00_TAIX    | 20",
        "2010.05.01_                 | 11",
        "123456789                   | 0",
        "2010.05.01_00:00:00Q7       | 19",
        "JD_x                        | 3",
        "2010.05.01xy                | 10",
        "2010.366_TAI                | 5",
    })
    void badInputNamesThePosition(String text, int position) {
        assertThatThrownBy(() -> DrmsTime.parse(text))
            .isInstanceOf(TimeFormatException.class)
            .isInstanceOf(IllegalArgumentException.class)
            .satisfies(e -> assertThat(((TimeFormatException) e).position()).isEqualTo(position))
            .satisfies(e -> assertThat(((TimeFormatException) e).text()).isEqualTo(text))
            .hasMessageContaining("position " + (position + 1));
    }

    @Test
    void singleMilitaryLetterMayFollowTheDate() {
        // X = −11 h
        assertThat(DrmsTime.parse("2010.05.01X")).isEqualTo(MAY1 + 11 * 3600 + 34);
    }

    @Test
    void nullIsAnError() {
        assertThatThrownBy(() -> DrmsTime.parse(null)).isInstanceOf(TimeFormatException.class);
    }
}
