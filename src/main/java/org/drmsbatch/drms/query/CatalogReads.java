package org.drmsbatch.drms.query;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import org.drmsbatch.drms.DrmsException;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.Record;

/**
 * The one way generated SQL ({@link SqlQuery}) reaches the catalog: on the session's connection, prepare the
 * statement, bind its parameters in order, execute it and read the result, as records of a series or as values.
 * An {@link SQLException} becomes a {@link DrmsException} "Cannot &lt;what&gt;: &lt;reason&gt;" with the
 * {@link SQLException} as its cause, so a cancelled statement (SQL state 57014, "canceling statement due to
 * statement timeout") can still be told from a broken database.
 *
 * <p>Obtain one with {@link #timed} (sets the statement timeout for the rest of the transaction: what
 * {@link RecordSets} does in its own read-only transaction) or {@link #untimed} (leaves the transaction's settings
 * alone: a page read inside a chunk's transaction).
 */
final class CatalogReads {

    /** Reads an executed result (the statement and result set are closed afterwards). */
    @FunctionalInterface
    interface ResultReader<T> {
        T read(ResultSet result) throws SQLException;
    }

    private final DrmsSession session;

    private CatalogReads(DrmsSession session) {
        this.session = session;
    }

    /** Reads without touching the transaction's statement timeout. */
    static CatalogReads untimed(DrmsSession session) {
        return new CatalogReads(session);
    }

    /**
     * {@code SET LOCAL statement_timeout} for the rest of the session's (read-only) transaction, then reads.
     *
     * @param statementTimeout the longest a statement may run (zero or negative: no limit)
     */
    static CatalogReads timed(DrmsSession session, Duration statementTimeout) {
        long ms = Math.max(0, statementTimeout.toMillis());
        try (Statement st = session.connection().createStatement()) {
            st.execute("SET LOCAL statement_timeout = " + ms);
        } catch (SQLException e) {
            throw new DrmsException("Cannot set the statement timeout: " + e.getMessage(), e);
        }
        return new CatalogReads(session);
    }

    /** The records a query over one series' table returns (whole rows), in the order of the result. */
    List<Record> records(String series, SqlQuery q) {
        return read(q, "read records of " + series, r -> session.records(series, r));
    }

    /** The first column of the first row as a long (for {@code count(*)}, {@code max(recnum)}). */
    long number(SqlQuery q, String what) {
        return read(q, what, r -> {
            r.next();
            return r.getLong(1);
        });
    }

    /**
     * Prepares {@code q}, binds its parameters in order, executes it and reads the result.
     *
     * @param what what the statement does, for the error ("Cannot " + what + ": " + reason)
     */
    <T> T read(SqlQuery q, String what, ResultReader<T> reader) {
        try (PreparedStatement ps = session.connection().prepareStatement(q.sql())) {
            List<Object> binds = q.binds();
            for (int i = 0; i < binds.size(); i++) {
                ps.setObject(i + 1, binds.get(i));
            }
            try (ResultSet r = ps.executeQuery()) {
                return reader.read(r);
            }
        } catch (SQLException e) {
            throw new DrmsException("Cannot " + what + ": " + e.getMessage(), e);
        }
    }
}
