package org.drmsbatch.drms.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;

import org.drmsbatch.CatalogTestSupport;
import org.drmsbatch.drms.DrmsException;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.Record;
import org.junit.jupiter.api.Test;

/** Every query runs with a statement timeout: a query that takes longer is cancelled with a clear error. */
class QueryTimeoutTest extends CatalogTestSupport {

    @Test
    void aQueryLongerThanTheTimeoutIsCancelled() {
        drms.createSeries(new JsdParser().parse("t.jsd", """
                Seriesname: qtime.rows
                PrimeKeys: N
                Keyword: N, int, variable, record, 0, "%d", none, "n"
                Keyword: X, double, variable, record, 0, "%f", none, "x"
                """), false);
        drms.inSession(s -> {
            List<Record> rs = s.create("qtime.rows", 200_000);
            for (int i = 0; i < rs.size(); i++) {
                rs.get(i).set("N", i);
                rs.get(i).set("X", i * 0.5);
            }
            s.close(rs, DrmsSession.Action.INSERT);
            return null;
        });
        String slow = "qtime.rows[][? sqrt(abs(X)) * sqrt(abs(X)) > 1e12 ?]";
        assertThat(new RecordSets(drms).count(slow)).isZero();
        assertThatThrownBy(() -> new RecordSets(drms, Duration.ofMillis(1)).count(slow))
                .isInstanceOf(DrmsException.class).hasMessageContaining("statement timeout");
    }
}
