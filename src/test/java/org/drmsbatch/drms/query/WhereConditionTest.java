package org.drmsbatch.drms.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;

import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.SeriesDefinition;
import org.drmsbatch.drms.query.Expr.Binary;
import org.drmsbatch.drms.query.Expr.Column;
import org.drmsbatch.drms.query.Expr.Literal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WhereConditionTest {

    static final String JSD = """
            Seriesname: qtest.where
            Unitsize: 1
            PrimeKeys: T_REC, CAMERA
            Keyword: T_REC, time, ts_eq, record, DRMS_MISSING_VALUE, 0, TAI, "slot time"
            Keyword: T_REC_epoch, time, constant, record, 1993.01.01_00:00:00_TAI, 0, TAI, "epoch"
            Keyword: T_REC_step, float, constant, record, 45, %f, secs, "step"
            Keyword: CAMERA, int, variable, record, 0, %d, none, "camera"
            Keyword: QUALITY, int, variable, record, 0, %d, none, "quality"
            Keyword: T_OBS, time, variable, record, DRMS_MISSING_VALUE, 0, TAI, "obs"
            Keyword: INSTRUME, string, variable, record, "HMI", %s, none, "instrument"
            Keyword: ORIGIN, string, constant, record, "SDO", %s, none, "origin"
            """;

    static final SeriesDefinition DEF = new JsdParser().parse("qtest.where.jsd", JSD);

    private static Expr parse(String text) {
        return new WhereCondition().parse(text, 0, DEF);
    }

    private static Column col(String c) {
        return new Column(c);
    }

    private static Literal lit(Object v) {
        return new Literal(v);
    }

    @Test
    void comparisonsOverColumnsCaseInsensitively() {
        assertThat(parse("QUALITY>=0")).isEqualTo(new Binary(">=", col("quality"), lit(0L)));
        assertThat(parse(" Camera != 2 ")).isEqualTo(new Binary("!=", col("camera"), lit(2L)));
        assertThat(parse("1=1")).isEqualTo(new Binary("=", lit(1L), lit(1L)));
        assertThat(parse("sunum>1148128819")).isEqualTo(new Binary(">", col("sunum"), lit(1148128819L)));
        assertThat(parse("t_rec_index = 12151680")).isEqualTo(new Binary("=", col("t_rec_index"), lit(12151680L)));
        assertThat(parse("recnum <> 2.5e3")).isEqualTo(new Binary("<>", col("recnum"), lit(2500.0)));
    }

    @Test
    void booleanAndArithmeticPrecedence() {
        // a OR b AND c  ==  a OR (b AND c);  1 + 2 * x  ==  1 + (2 * x)
        assertThat(parse("camera = 1 OR camera = 2 AND quality > 0")).isEqualTo(new Binary("OR",
                new Binary("=", col("camera"), lit(1L)),
                new Binary("AND", new Binary("=", col("camera"), lit(2L)), new Binary(">", col("quality"), lit(0L)))));
        assertThat(parse("quality + 2 * camera % 3 < -1")).isEqualTo(new Binary("<",
                new Binary("+", col("quality"), new Binary("%", new Binary("*", lit(2L), col("camera")), lit(3L))),
                new Expr.Unary("-", lit(1L))));
        assertThat(parse("NOT (quality > 0)")).isEqualTo(new Expr.Unary("NOT",
                new Binary(">", col("quality"), lit(0L))));
    }

    @Test
    void stringsInEitherQuoteAreStrings() {
        assertThat(parse("instrume = 'HMI''s'")).isEqualTo(new Binary("=", col("instrume"), lit("HMI's")));
        assertThat(parse("instrume = \"HMI\"")).isEqualTo(new Binary("=", col("instrume"), lit("HMI")));
        assertThat(parse("instrume NOT LIKE 'AIA%'")).isEqualTo(new Expr.Like(col("instrume"), lit("AIA%"), true));
        assertThat(parse("instrume like \"H_I\"")).isEqualTo(new Expr.Like(col("instrume"), lit("H_I"), false));
    }

    @Test
    void timesBecomeTaiNumbers() {
        // 1993.01.01_00:00:00_TAI is the TSEQ epoch, 504921600 s after 1977.01.01_00:00:00_TAI
        assertThat(parse("T_OBS > $(1993.01.01_00:00:00_TAI)"))
                .isEqualTo(new Binary(">", col("t_obs"), lit(504921600.0)));
        // no zone: UTC; on 1993-01-01 TAI-UTC was 27 s (leap seconds of 1992-07-01 and before)
        assertThat(parse("t_obs>$( 1993.01.01_00:00:00 )"))
                .isEqualTo(new Binary(">", col("t_obs"), lit(504921627.0)));
    }

    @Test
    void inBetweenIsNullAndFunctions() {
        assertThat(parse("camera IN (1, 2)")).isEqualTo(new Expr.In(col("camera"), List.of(lit(1L), lit(2L)), false));
        assertThat(parse("camera not in (3)")).isEqualTo(new Expr.In(col("camera"), List.of(lit(3L)), true));
        assertThat(parse("recnum BETWEEN 1 AND 5 AND quality IS NOT NULL")).isEqualTo(new Binary("AND",
                new Expr.Range(col("recnum"), lit(1L), lit(5L), false), new Expr.IsNull(col("quality"), true)));
        assertThat(parse("quality NOT BETWEEN -1 AND 1")).isEqualTo(new Expr.Range(col("quality"),
                new Expr.Unary("-", lit(1L)), lit(1L), true));
        assertThat(parse("t_obs is null")).isEqualTo(new Expr.IsNull(col("t_obs"), false));
        assertThat(parse("ABS(quality) < 2 OR mod(sunum, 2) = 0")).isEqualTo(new Binary("OR",
                new Binary("<", new Expr.Call("abs", List.of(col("quality"))), lit(2L)),
                new Binary("=", new Expr.Call("mod", List.of(col("sunum"), lit(2L))), lit(0L))));
        assertThat(parse("lower(instrume) = 'hmi' and coalesce(quality, 0) >= round(1.5)")).isNotNull();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            1=1; DROP TABLE x                  | 3  | ';'
            camera IN (SELECT camera FROM y)   | 11 | sub-queries
            (SELECT 1) = 1                     | 1  | sub-queries
            SELECT 1                           | 0  | sub-queries
            quality > 0 -- comment             | 12 | comments
            quality /* c */ > 0                | 8  | comments
            pg_sleep(10) IS NULL               | 0  | function 'pg_sleep' is not allowed
            other.col = 1                      | 5  | qualified
            pg_catalog.pg_class                | 10 | qualified
            nosuch > 1                         | 0  | unknown column 'nosuch'
            origin = 'SDO'                     | 0  | constant
            `instrume || 'x' = 'y'`            | 9  | `'||'`
            instrume = 'abc                    | 11 | unterminated string
            (quality > 0                       | 0  | unbalanced '('
            quality > 0)                       | 11 | unbalanced ')'
            quality > 0 camera                 | 12 | after the end
            quality >                          | 9  | ends too early
            quality::text = '1'                | 7  | ':'
            quality = 1 UNION SELECT 1         | 12 | after the end
            version()                          | 0  | not allowed
            quality > $(not a time)            | 12 | bad time
            ``                                 | 0  | empty
            """)
    void breakOutAttemptsAreRefusedAtTheirPosition(String text, int position, String reason) {
        // the condition starts at offset 20 of the whole query: positions are absolute
        QueryException e = catchThrowableOfType(() -> new WhereCondition().parse(text, 20, DEF),
                QueryException.class);
        assertThat(e).as(text).isNotNull();
        assertThat(e.position()).as(e.getMessage()).isEqualTo(20 + position);
        assertThat(e.reason()).contains(reason);
    }
}
