package org.drmsbatch.drms.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.drmsbatch.CatalogTestSupport;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.Record;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A condition that is well-formed but wrong for its columns, or that the data make fail, is refused as a
 * {@link QueryException} at its position; conditions nested too deeply are refused, never a stack overflow.
 */
class ConditionCheckTest extends CatalogTestSupport {

    static final int ROWS = 20;

    RecordSets sets;
    private static boolean created;

    @BeforeEach
    void series() {
        sets = new RecordSets(drms);
        if (created) {
            return;
        }
        created = true;
        drms.createSeries(new JsdParser().parse("t.jsd", """
                Seriesname: qcheck.rows
                PrimeKeys: N
                Keyword: N, int, variable, record, 0, "%d", none, "n"
                Keyword: X, double, variable, record, 0, "%f", none, "x"
                Keyword: DT, string, variable, record, "", "%s", none, "a string"
                """), false);
        drms.inSession(s -> {
            List<Record> rs = s.create("qcheck.rows", ROWS);
            for (int i = 0; i < rs.size(); i++) {
                rs.get(i).set("N", i);
                rs.get(i).set("X", i * 0.5);
                rs.get(i).set("DT", "d" + i);
            }
            s.close(rs, DrmsSession.Action.INSERT);
            return null;
        });
    }

    /** The exception a query's count gives, asserted to be a QueryException. */
    private QueryException refused(String query) {
        Throwable t = catchThrowable(() -> sets.count(query));
        assertThat(t).as(query).isInstanceOf(QueryException.class);
        return (QueryException) t;
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            qcheck.rows[][? "DT" > 0 ?]                  | >            | cannot compare text with a whole number
            qcheck.rows[][? DT > 0 ?]                    | >            | cannot compare text with a whole number
            qcheck.rows[][? X = 'abc' ?]                 | =            | cannot compare a number with text
            qcheck.rows[][? N IN (1, 'two') ?]           | 'two'        | cannot compare
            qcheck.rows[][? sqrt(-1) > 0 ?]              | -1           | square root of a negative number
            qcheck.rows[][? X / 0 > 1 ?]                 | 0 >          | division by zero
            qcheck.rows[][? mod(N, 0) = 1 ?]             | 0)           | division by zero
            qcheck.rows[][? round(X, 99999999999) > 0 ?] | 99999999999  | round()'s digits
            qcheck.rows[][? X % 2 = 0 ?]                 | X %          | '%' needs whole numbers
            qcheck.rows[][? DT + 1 > 0 ?]                | DT +         | '+' needs numbers
            qcheck.rows[][? DT LIKE 5 ?]                 | 5            | a LIKE pattern is text
            qcheck.rows[][? X ?]                         | X ?          | must be true or false
            qcheck.rows[][? N = 1 AND X ?]               | X ?          | AND needs a comparison
            qcheck.rows[][? NOT N ?]                     | N ?          | NOT needs a comparison
            qcheck.rows[][? lower(N) = 'a' ?]            | N)           | lower() needs text
            """)
    void wrongTypesAreRefusedWhenParsedAtTheirPosition(String query, String at, String reason) {
        QueryException e = refused(query);
        assertThat(e.position()).as(e.getMessage()).isEqualTo(query.indexOf(at, query.indexOf("[?")));
        assertThat(e.reason()).contains(reason);
        assertThat(e.query()).isEqualTo(query);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            qcheck.rows[][? X / (N - 5) > 0 ?]                      | division by zero
            qcheck.rows[][? sqrt(X - 5) > 0 ?]                      | square root of a negative number
            qcheck.rows[][? N * 9223372036854775807 > 0 ?]          | out of range
            qcheck.rows[][? mod(N, N - 3) = 0 ?]                    | division by zero
            qcheck.rows[][? round(X, N - 50) > 0 ?]                 | round()'s digits
            """)
    void whatOnlyTheDataShowIsRefusedAtTheConditionsPosition(String query, String reason) {
        int condition = query.indexOf("[?") + 2;
        for (Runnable run : List.<Runnable>of(() -> sets.count(query), () -> sets.open(query, 0),
                () -> sets.open(sets.parseWithoutFiles(query), 5),
                () -> sets.page(sets.parse(query), 0, 0, Long.MAX_VALUE, Long.MAX_VALUE, 100),
                () -> sets.recnumSpan(sets.parse(query)),
                () -> sets.stream(sets.parse(query), 0, 3, page -> true))) {
            Throwable t = catchThrowable(run::run);
            assertThat(t).as(query).isInstanceOf(QueryException.class);
            QueryException e = (QueryException) t;
            assertThat(e.reason()).contains(reason);
            if (!reason.startsWith("round")) { // refused when parsed: its position is the digits'
                assertThat(e.position()).as(e.getMessage()).isEqualTo(condition);
            }
            assertThat(e.query()).isEqualTo(query);
        }
    }

    @Test
    void theWholeQueryStillRunsAfterAnEarlierRefusal() {
        refused("qcheck.rows[][? X / (N - 5) > 0 ?]");
        assertThat(sets.count("qcheck.rows[][? X / (N + 1) >= 0 ?]")).isEqualTo(ROWS);
    }

    @Test
    void nestingUpToTheLimitWorksDeeperIsRefusedWhereItGetsTooDeep() {
        int limit = WhereCondition.MAX_DEPTH;
        String ok = "qcheck.rows[][? " + "(".repeat(limit) + "N < 3" + ")".repeat(limit) + " ?]";
        assertThat(sets.count(ok)).isEqualTo(3);

        for (int levels : new int[] {limit + 1, 2_000, 100_000}) {
            String deep = "qcheck.rows[][? " + "(".repeat(levels) + "N < 3" + ")".repeat(levels) + " ?]";
            QueryException e = refused(deep);
            assertThat(e.position()).isEqualTo(deep.indexOf('(') + limit);
            assertThat(e.reason()).contains("nests too deeply").contains(Integer.toString(limit));
        }
        String unbalanced = "qcheck.rows[][? " + "(".repeat(100_000) + " ?]";
        assertThat(refused(unbalanced).reason()).contains("nests too deeply");
        for (String prefix : List.of("- ", "NOT ", "abs(")) {
            String q = "qcheck.rows[][? " + prefix.repeat(100_000) + "1 ?]";
            assertThat(refused(q).reason()).as(prefix).contains("nests too deeply");
        }
        String sum = "qcheck.rows[][? N" + " + 1".repeat(100_000) + " > 0 ?]";
        assertThat(refused(sum).reason()).contains("nests too deeply");
    }

    /**
     * Parentheses each holding an AND chain inside an OR chain: few levels for the parser's count, but a tall tree
     * for everything that walks it. Within {@link WhereCondition#MAX_HEIGHT} it runs; taller it is refused, never a
     * stack overflow.
     */
    static String chains(int levels, int width) {
        String inner = "N >= 0";
        for (int k = 0; k < levels; k++) {
            StringBuilder or = new StringBuilder("(" + inner + ")");
            or.append(" AND N >= 0".repeat(width - 1));
            or.append(" OR N < 0".repeat(width - 1));
            inner = or.toString();
        }
        return inner;
    }

    @Test
    void conditionsWhoseTreeIsTooTallAreRefusedNotAStackOverflow() {
        assertThat(sets.count("qcheck.rows[][? " + chains(20, 8) + " ?]")).isEqualTo(ROWS);
        for (int width : new int[] {8, 16, 32}) {
            String q = "qcheck.rows[][? " + chains(WhereCondition.MAX_DEPTH - 1, width) + " ?]";
            QueryException e = refused(q);
            assertThat(e.reason()).as("width %d", width).contains("too complex")
                    .contains(Integer.toString(WhereCondition.MAX_HEIGHT));
            assertThat(e.position()).isEqualTo(q.indexOf("[?") + 3);
        }
    }

    @Test
    void deepTextOutsideAConditionIsRefusedToo() {
        for (String q : List.of("qcheck.rows" + "[".repeat(100_000), "qcheck.rows[" + "(".repeat(100_000) + "]",
                "qcheck.rows" + "[]".repeat(50_000) + "{" + "{".repeat(100_000), "qcheck.rows[$(" + "(".repeat(100_000)
                        + "]", "qcheck.rows[? $(" + "(".repeat(100_000) + ") ?]")) {
            Throwable t = catchThrowable(() -> sets.parse(q));
            assertThat(t).as(q.substring(0, 20)).isInstanceOf(QueryException.class);
        }
    }

    @Test
    void longOrAndAndChainsWork() {
        String ors = IntStream.range(0, 10_000).mapToObj(i -> "N = " + (i * 2)).collect(Collectors.joining(" OR "));
        // the even N of 0..ROWS-1
        assertThat(sets.count("qcheck.rows[][? " + ors + " ?]")).isEqualTo((ROWS + 1) / 2);
        String ands = IntStream.range(0, 3_000).mapToObj(i -> "N <> " + (i + 10))
                .collect(Collectors.joining(" AND "));
        assertThat(sets.count("qcheck.rows[][? " + ands + " ?]")).isEqualTo(10);
        String mixed = IntStream.range(0, 5_000).mapToObj(i -> "(N = " + i + " AND X >= 0)")
                .collect(Collectors.joining(" OR "));
        assertThat(sets.open("qcheck.rows[][? " + mixed + " ?]", 0)).hasSize(ROWS);
    }
}
