package org.drmsbatch.drms.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.drmsbatch.CatalogTestSupport;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.Record;
import org.junit.jupiter.api.Test;

/**
 * Record-set statements are prepared on the server and cached per pooled connection by their text; a series deleted
 * and created again under the same name with other columns gives the same text a new result type. The next query
 * must answer from the new table, on every pooled connection, not fail with "cached plan must not change result
 * type".
 */
class SeriesRedefinedQueryTest extends CatalogTestSupport {

    static final String SERIES = "redef.s";

    void create(String extraKeyword, int records) {
        drms.createSeries(new JsdParser().parse("redef.jsd", """
                Seriesname: redef.s
                PrimeKeys: N
                Keyword: N, int, variable, record, DRMS_MISSING_VALUE, %%d, none, "n"
                %s
                """.formatted(extraKeyword)), true);
        drms.inSession(s -> {
            List<Record> rs = s.create(SERIES, records);
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
}
