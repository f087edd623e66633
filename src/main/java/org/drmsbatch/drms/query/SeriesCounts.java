package org.drmsbatch.drms.query;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import org.drmsbatch.drms.DrmsException;

/**
 * How many records each series holds, cheaply enough to ask every few seconds of a catalog with million-row series
 * (metrics, status pages). A series table counts its rows (every version of a record is a record, as in DRMS):
 * <ul>
 * <li>exactly ({@code count(*)}) while the table is smaller on disk than {@code exactBelowBytes}: a scan of a few
 * megabytes, mostly cached;</li>
 * <li>above that, PostgreSQL's own estimate {@code pg_class.reltuples}, which autovacuum and {@code ANALYZE} keep
 * (within a few percent; it lags behind inserts until the next analyse);</li>
 * <li>for a large table never analysed yet (no estimate), its highest record number: one index lookup, an upper
 * bound (record numbers of rolled-back inserts and deleted records are gaps).</li>
 * </ul>
 */
public final class SeriesCounts {

    /** The default size below which a series is counted exactly: 16 MB, roughly 100 000 records. */
    public static final long DEFAULT_EXACT_BELOW_BYTES = 16L << 20;

    /** How a count was taken. */
    public enum Method { EXACT, ESTIMATE, HIGHEST_RECNUM }

    /** A series (its catalog name, lower case) and its records. */
    public record Count(String series, long records, Method method) {
    }

    private static final String UNDEFINED_TABLE = "42P01";

    private final DataSource dataSource;
    private final long exactBelowBytes;

    public SeriesCounts(DataSource dataSource, long exactBelowBytes) {
        this.dataSource = dataSource;
        this.exactBelowBytes = exactBelowBytes;
    }

    /**
     * Every series of the catalog with its count, by name; a series whose table is missing (deleted while counted)
     * is left out. One connection in autocommit, a statement per series.
     */
    public List<Count> counts() {
        record Table(String series, String table, long bytes, double estimate) {
        }
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            List<Table> tables = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT s.seriesname, t.oid::regclass::text, pg_relation_size(t.oid), t.reltuples
                    FROM drms.drms_series s
                    JOIN pg_class t ON t.oid = to_regclass(quote_ident(split_part(s.seriesname, '.', 1)) || '.'
                                        || quote_ident(substr(s.seriesname, strpos(s.seriesname, '.') + 1)))
                    ORDER BY s.seriesname""");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    tables.add(new Table(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getDouble(4)));
                }
            }
            List<Count> out = new ArrayList<>(tables.size());
            for (Table t : tables) {
                try {
                    if (t.bytes() < exactBelowBytes) {
                        out.add(new Count(t.series(), single(c, "SELECT count(*) FROM " + t.table()), Method.EXACT));
                    } else if (t.estimate() >= 0) {
                        out.add(new Count(t.series(), Math.round(t.estimate()), Method.ESTIMATE));
                    } else {
                        out.add(new Count(t.series(), single(c, "SELECT coalesce(max(recnum), 0) FROM "
                                + t.table()), Method.HIGHEST_RECNUM));
                    }
                } catch (SQLException e) {
                    if (!UNDEFINED_TABLE.equals(e.getSQLState())) {
                        throw e;
                    } // the series was deleted meanwhile: it is no longer counted
                }
            }
            return out;
        } catch (SQLException e) {
            throw new DrmsException("Cannot count the records of the series: " + e.getMessage(), e);
        }
    }

    private static long single(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
