package org.drmsbatch.drms;

import static org.assertj.core.api.Assertions.assertThat;

import org.drmsbatch.drms.types.DrmsType;
import org.junit.jupiter.api.Test;

/** Keyword conversions and their DRMS statuses, and printing by a keyword's format. */
class KeywordValuesTest {

    static Converted parse(String text, DrmsType type) {
        return KeywordValues.parse(text, type);
    }

    @Test
    void integersParseAsCDoesWithBaseZero() {
        assertThat(parse("0x1F", DrmsType.INT)).isEqualTo(new Converted(31, KeywordStatus.EXACT));
        assertThat(parse("017", DrmsType.INT)).isEqualTo(new Converted(15, KeywordStatus.EXACT)); // octal
        assertThat(parse("-2147483648", DrmsType.INT)).isEqualTo(new Converted(Integer.MIN_VALUE,
                KeywordStatus.EXACT)); // the MISSING value written out
        assertThat(parse("2147483648", DrmsType.INT)).isEqualTo(new Converted(Integer.MIN_VALUE,
                KeywordStatus.RANGE));
        assertThat(parse("99999999999999999999", DrmsType.LONGLONG))
                .isEqualTo(new Converted(Long.MIN_VALUE, KeywordStatus.RANGE));
        assertThat(parse("12abc", DrmsType.SHORT)).isEqualTo(new Converted(Short.MIN_VALUE,
                KeywordStatus.BAD_STRING));
        assertThat(parse("2.5", DrmsType.CHAR)).isEqualTo(new Converted((byte) 3, KeywordStatus.INEXACT));
        assertThat(parse("DRMS_MISSING_VALUE", DrmsType.SHORT)).isEqualTo(new Converted(Short.MIN_VALUE,
                KeywordStatus.EXACT));
    }

    @Test
    void conversionsBetweenTypesReportLossAndRange() {
        assertThat(KeywordValues.convert(1e40, DrmsType.FLOAT).status()).isEqualTo(KeywordStatus.RANGE);
        assertThat(KeywordValues.convert(0.1, DrmsType.FLOAT).status()).isEqualTo(KeywordStatus.INEXACT);
        assertThat(KeywordValues.convert(0.5f, DrmsType.DOUBLE)).isEqualTo(new Converted(0.5, KeywordStatus.EXACT));
        assertThat(KeywordValues.convert((1L << 53) + 1, DrmsType.DOUBLE).status())
                .isEqualTo(KeywordStatus.INEXACT);
        assertThat(KeywordValues.convert(-2.5, DrmsType.INT)).isEqualTo(new Converted(-2, KeywordStatus.INEXACT));
        assertThat(KeywordValues.convert(Float.NaN, DrmsType.INT)).isEqualTo(new Converted(Integer.MIN_VALUE,
                KeywordStatus.EXACT)); // MISSING stays MISSING
        assertThat(KeywordValues.convert(Short.MIN_VALUE, DrmsType.DOUBLE).value()).isEqualTo(Double.NaN);
        assertThat(KeywordValues.convert(40000, DrmsType.SHORT).status()).isEqualTo(KeywordStatus.RANGE);
    }

    @Test
    void valuesPrintWithTheKeywordsFormat() {
        KeywordDef hex = new KeywordDef("Q", DrmsType.INT, RecScope.VARIABLE, false, "0", "0x%08X", "none", "",
                null, null, false);
        KeywordDef lld = new KeywordDef("L", DrmsType.LONGLONG, RecScope.VARIABLE, false, "0", "%lld", "none", "",
                null, null, false);
        KeywordDef f = new KeywordDef("F", DrmsType.FLOAT, RecScope.VARIABLE, false, "0", "%.3f", "none", "", null,
                null, false);
        KeywordDef t = new KeywordDef("T", DrmsType.TIME, RecScope.VARIABLE, false, "0", "2", "TAI", "", null, null,
                false);
        assertThat(KeywordValues.format(255, hex)).isEqualTo("0x000000FF");
        assertThat(KeywordValues.format(-5L, lld)).isEqualTo("-5");
        assertThat(KeywordValues.format(1.23456f, f)).isEqualTo("1.235");
        assertThat(KeywordValues.format(Float.NaN, f)).isEqualTo("nan");
        // 1977.01.01_00:00:00_TAI is time 0
        assertThat(KeywordValues.format(0.0, t)).isEqualTo("1977.01.01_00:00:00.00_TAI");
    }
}
