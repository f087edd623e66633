package org.drmsbatch.drms.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.drmsbatch.CatalogTestSupport;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsException;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.Record;
import org.drmsbatch.segments.SegmentFiles;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * Record-set statements are prepared on the server and cached per pooled connection by their text; a series deleted
 * and created again under the same name with other columns gives the same text a new result type. The next query
 * must answer from the new table, on every pooled connection, not fail with "cached plan must not change result
 * type".
 *
 * <p>Outside a transaction a query uses the series definitions this process last read and checks them in the round
 * trip of its statement: a series created again, or deleted, by another process (another {@link Drms}, whose
 * changes this one hears nothing of) is seen at the next query, as if the definitions had been read afresh.
 */
class SeriesRedefinedQueryTest extends CatalogTestSupport {

    static final String SERIES = "redef.s";

    @Autowired
    PlatformTransactionManager transactions;

    void create(String extraKeyword, int records) {
        create(drms, SERIES, extraKeyword, records);
    }

    static void create(Drms drms, String series, String extraKeyword, int records) {
        drms.createSeries(new JsdParser().parse("redef.jsd", """
                Seriesname: %s
                PrimeKeys: N
                Keyword: N, int, variable, record, DRMS_MISSING_VALUE, %%d, none, "n"
                %s
                """.formatted(series, extraKeyword)), true);
        drms.inSession(s -> {
            List<Record> rs = s.create(series, records);
            for (int i = 0; i < records; i++) {
                rs.get(i).set("N", i);
            }
            s.close(rs, DrmsSession.Action.INSERT);
            return null;
        });
    }

    @Test
    void aSeriesCreatedAgainWithOtherColumnsIsQueriedFromItsNewTable() {
        create("Keyword: A, double, variable, record, 1.5, %f, none, \"a\"", 3);
        RecordSets sets = new RecordSets(drms);
        // enough queries to have the statement prepared on every pooled connection
        for (int i = 0; i < 40; i++) {
            assertThat(sets.open(SERIES + "[]", 0)).hasSize(3);
        }
        drms.deleteSeries(SERIES, false);
        create("Keyword: B, string, variable, record, \"x\", %s, none, \"b\"\n"
                + "Keyword: C, int, variable, record, 7, %d, none, \"c\"", 2);
        for (int i = 0; i < 40; i++) {
            List<Record> got = sets.open(SERIES + "[]", 0);
            assertThat(got).as("query %d after the series was created again", i).hasSize(2);
            assertThat(got.get(1).get("C")).isEqualTo(7);
        }
    }

    /** Another process on the same catalog: its own Drms, so this test's Drms is not told of its changes. */
    Drms otherProcess() {
        return new Drms(dataSource, transactions, drms.sums(), new SegmentFiles(), "other", 2);
    }

    @Test
    void aSeriesCreatedAgainByAnotherProcessIsQueriedWithItsNewDefinition() {
        String series = "redef.other";
        create(drms, series, "Keyword: A, double, variable, record, 1.5, %f, none, \"a\"", 3);
        RecordSets sets = new RecordSets(drms);
        assertThat(sets.open(series + "[]", 0)).hasSize(3).allSatisfy(r -> assertThat(r.get("A")).isEqualTo(1.5));

        create(otherProcess(), series, "Keyword: C, int, variable, record, 7, %d, none, \"c\"", 2);
        List<Record> got = sets.open(series + "[]", 0);
        assertThat(got).hasSize(2).allSatisfy(r -> assertThat(r.get("C")).isEqualTo(7));
        assertThat(got.get(0).series().keyword("A")).isEmpty();
        assertThat(sets.count(series + "[]")).isEqualTo(2);

        // a condition on a keyword the definition last read here did not have
        create(otherProcess(), series, "Keyword: D, int, variable, record, 9, %d, none, \"d\"", 4);
        assertThat(sets.open(series + "[][? D = 9 ?]", 0)).hasSize(4);
        assertThat(sets.count(series + "[][? D = 9 ?]")).isEqualTo(4);
        // a keyword the series does not have is still the query's error
        assertThatThrownBy(() -> sets.open(series + "[][? A = 1 ?]", 0)).isInstanceOf(QueryException.class);

        otherProcess().deleteSeries(series, false);
        assertThatThrownBy(() -> sets.open(series + "[]", 0)).isInstanceOf(DrmsException.class)
                .hasMessageContaining(series);
        assertThatThrownBy(() -> sets.count(series + "[]")).isInstanceOf(DrmsException.class)
                .hasMessageContaining(series);
    }
}
