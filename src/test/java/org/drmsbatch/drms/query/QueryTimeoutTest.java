package org.drmsbatch.drms.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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
    void aQueryLongerThanTheTimeoutIsCancelled() throws SQLException {
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
        assertThatThrownBy(() -> new RecordSets(drms, Duration.ofMillis(1)).open(slow, 0))
                .isInstanceOf(DrmsException.class).hasMessageContaining("statement timeout");
        // in a transaction of the caller's (a chunk) too
        assertThatThrownBy(() -> drms.inSession(s -> new RecordSets(drms, Duration.ofMillis(1)).open(slow, 0)))
                .isInstanceOf(DrmsException.class).hasMessageContaining("statement timeout");
        // the timeout was the query's: the pooled connection it ran on has its own settings again
        for (int i = 0; i < 3; i++) {
            assertThat(new RecordSets(drms).open(slow, 0)).isEmpty();
            assertThat(new RecordSets(drms).open("qtime.rows[][? N < 3 ?]", 0)).hasSize(3);
        }
        assertThat(setting("statement_timeout")).isEqualTo("0");
        assertThat(setting("transaction_read_only")).isEqualTo("off");
    }

    /** A setting as a pooled connection in autocommit has it (the one the queries above ran on, the pool being idle). */
    private String setting(String name) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement();
             ResultSet r = st.executeQuery("SELECT current_setting('" + name + "')")) {
            r.next();
            return r.getString(1);
        }
    }

    /** Queries read in a read-only transaction, whether or not a caller's transaction is running. */
    @Test
    void aQueryCannotWrite() {
        SqlQuery write = new SqlQuery("SELECT nextval('drms.drms_sessionid_seq')", List.of());
        assertThatThrownBy(() -> drms.readEachStatement(s -> CatalogReads.timedFromFirstRead(s, Duration.ofMinutes(1))
                .number(write, "take a session id"))).isInstanceOf(DrmsException.class)
                .hasMessageContaining("read-only transaction");
        assertThatThrownBy(() -> drms.read(s -> CatalogReads.timedFromFirstRead(s, Duration.ofMinutes(1))
                .number(write, "take a session id"))).isInstanceOf(DrmsException.class)
                .hasMessageContaining("read-only transaction");
    }
}
