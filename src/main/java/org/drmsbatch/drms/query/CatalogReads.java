package org.drmsbatch.drms.query;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.drmsbatch.drms.DrmsException;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.SeriesCatalog;
import org.postgresql.PGStatement;

/**
 * The one way generated SQL ({@link SqlQuery}) reaches the catalog: on the session's connection, prepare the
 * statement, bind its parameters in order, execute it and read the result, as records of a series or as values.
 * An {@link SQLException} becomes a {@link DrmsException} "Cannot &lt;what&gt;: &lt;reason&gt;" with the
 * {@link SQLException} as its cause, so a cancelled statement (SQL state 57014, "canceling statement due to
 * statement timeout") can still be told from a broken database.
 *
 * <p>Obtain one with {@link #timed} (sets the statement timeout for the rest of the transaction: what
 * {@link RecordSets} does in its own read-only transaction), {@link #within} (each statement runs under the timeout,
 * and the transaction's own setting is put back after it: a page read inside a chunk's transaction, whose writes
 * keep their setting) or {@link #untimed} (leaves the transaction's settings alone).
 */
final class CatalogReads {

    /** Reads an executed result (the statement and result set are closed afterwards). */
    @FunctionalInterface
    interface ResultReader<T> {
        T read(ResultSet result) throws SQLException;
    }

    private final DrmsSession session;
    /** For {@link #within}: the timeout each statement runs under, in ms; negative: the transaction's own. */
    private final long statementMillis;
    /**
     * For {@link #timedFromFirstRead}: the {@code SET LOCAL statement_timeout} not yet sent, sent ahead of the next
     * statement in the same round trip; null once sent (or when there is none).
     */
    private String pendingTimeout;
    /**
     * For {@link #timedFromFirstRead} on a connection in autocommit, where each round trip is a transaction of its
     * own: the settings sent ahead of every statement, in the same round trip (so in the same transaction), as one
     * SELECT of {@code set_config(..., true)} calls; null otherwise.
     */
    private String eachStatement;

    private CatalogReads(DrmsSession session, long statementMillis) {
        this.session = session;
        this.statementMillis = statementMillis;
    }

    /** Reads without touching the transaction's statement timeout (tests that look at the SQL alone). */
    static CatalogReads untimed(DrmsSession session) {
        return new CatalogReads(session, -1);
    }

    /**
     * Reads in a transaction that is not the reader's own (a chunk's): each statement runs under
     * {@code statementTimeout}, and the transaction's own setting is restored after it.
     */
    static CatalogReads within(DrmsSession session, Duration statementTimeout) {
        return new CatalogReads(session, Math.max(0, statementTimeout.toMillis()));
    }

    /**
     * {@code SET LOCAL statement_timeout} for the rest of the session's (read-only) transaction, then reads.
     *
     * @param statementTimeout the longest a statement may run (zero or negative: no limit)
     */
    static CatalogReads timed(DrmsSession session, Duration statementTimeout) {
        CatalogReads reads = new CatalogReads(session, -1);
        reads.setLocalTimeout("SET LOCAL statement_timeout = " + Math.max(0, statementTimeout.toMillis()));
        return reads;
    }

    private void setLocalTimeout(String setLocal) {
        try (Statement st = session.connection().createStatement()) {
            st.execute(setLocal);
        } catch (SQLException e) {
            throw new DrmsException("Cannot set the statement timeout: " + e.getMessage(), e);
        }
    }

    /**
     * As {@link #timed}, but the {@code SET LOCAL statement_timeout} goes to the server with the first statement read
     * through the result (one round trip for both, ahead of it in the same transaction, so that statement and every
     * later one run under the timeout). For a transaction whose statements all go through the result.
     */
    static CatalogReads timedFromFirstRead(DrmsSession session, Duration statementTimeout) {
        CatalogReads reads = new CatalogReads(session, -1);
        long millis = Math.max(0, statementTimeout.toMillis());
        if (autocommit(session)) {
            // no transaction to set the timeout for once (Drms.readEachStatement): every statement carries it, and
            // the read-only mode the transaction would have had
            reads.eachStatement = "SELECT set_config('statement_timeout', '" + millis + "', true),"
                    + " set_config('transaction_read_only', 'on', true)";
        } else {
            reads.pendingTimeout = "SET LOCAL statement_timeout = " + millis;
        }
        return reads;
    }

    /** Whether the session's connection is in autocommit (no transaction of its own: Drms.readEachStatement). */
    static boolean autocommit(DrmsSession session) {
        try {
            return session.connection().getAutoCommit();
        } catch (SQLException e) {
            throw new DrmsException("Cannot read the connection's state: " + e.getMessage(), e);
        }
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
        return read(q, what, 0, reader);
    }

    /**
     * As {@link #read(SqlQuery, String, ResultReader)}, with rows fetched {@code fetchSize} at a time through a
     * cursor (0: all at once), so that a reader that handles them page by page holds one page at a time.
     */
    <T> T read(SqlQuery q, String what, int fetchSize, ResultReader<T> reader) {
        if (eachStatement != null) {
            return readWithSettings(q, what, reader);
        }
        String previous = statementMillis < 0 ? null : setTimeout(Long.toString(statementMillis));
        String prefix = pendingTimeout;
        pendingTimeout = null;
        if (prefix != null && fetchSize > 0) { // a result read through a cursor: the setting on its own first
            setLocalTimeout(prefix);
            prefix = null;
        }
        boolean aborted = false;
        try (PreparedStatement ps = session.connection().prepareStatement(
                prefix == null ? q.sql() : prefix + ";\n" + q.sql())) {
            ps.setFetchSize(fetchSize);
            // a server-side prepared statement from the first execution on (pgjdbc keeps it per connection, keyed
            // by the SQL text, so a query of the same series and shape reuses it): binary results at once
            ps.unwrap(PGStatement.class).setPrepareThreshold(1);
            List<Object> binds = q.binds();
            for (int i = 0; i < binds.size(); i++) {
                ps.setObject(i + 1, binds.get(i));
            }
            if (prefix == null) {
                try (ResultSet r = ps.executeQuery()) {
                    return reader.read(r);
                }
            }
            // pgjdbc sends both statements with one Sync: the SET's result first, then the query's
            ps.execute();
            if (!ps.getMoreResults()) {
                throw new SQLException("No results were returned by the query.");
            }
            try (ResultSet r = ps.getResultSet()) {
                return reader.read(r);
            }
        } catch (SQLException e) {
            aborted = true; // a failed statement aborts the transaction, and with it the setting made for it
            throw new DrmsException("Cannot " + what + ": " + e.getMessage(), e);
        } finally {
            if (previous != null && !aborted) {
                setTimeout(previous);
            }
        }
    }

    /**
     * One round trip on a connection in autocommit: the settings ({@link #eachStatement}) with, in the same SELECT,
     * the stored text of each definition the session used unchecked ({@link DrmsSession#takeUncheckedDefinitions}),
     * then the statement, both with one Sync (one transaction). The definitions are compared before the result is
     * read: a changed one ends the read with {@link DrmsSession.DefinitionsChanged}. On an error the definitions are
     * checked first (in a statement of their own), since the error may come from a changed definition.
     */
    private <T> T readWithSettings(SqlQuery q, String what, ResultReader<T> reader) {
        Map<String, String> expected = session.takeUncheckedDefinitions();
        StringBuilder sql = new StringBuilder(eachStatement);
        for (int i = 0; i < expected.size(); i++) {
            sql.append(", (SELECT ").append(SeriesCatalog.DEFINITION_TEXT)
                    .append(" FROM drms.drms_series WHERE seriesname = ?)");
        }
        sql.append(";\n").append(q.sql());
        try (PreparedStatement ps = session.connection().prepareStatement(sql.toString())) {
            ps.unwrap(PGStatement.class).setPrepareThreshold(1); // as in read: binary results from the first
            int p = 1;
            for (String key : expected.keySet()) {
                ps.setString(p++, key);
            }
            for (Object bind : q.binds()) {
                ps.setObject(p++, bind);
            }
            ps.execute(); // pgjdbc sends both statements with one Sync: the settings' row first, then the query's
            Map<String, String> stored = new HashMap<>();
            try (ResultSet settings = ps.getResultSet()) {
                settings.next();
                int c = 3;
                for (String key : expected.keySet()) {
                    stored.put(key, settings.getString(c++));
                }
            }
            session.checked(expected, stored);
            expected = Map.of(); // checked: an error from here on is the statement's own
            if (!ps.getMoreResults()) {
                throw new SQLException("No results were returned by the query.");
            }
            try (ResultSet r = ps.getResultSet()) {
                return reader.read(r);
            }
        } catch (SQLException e) {
            session.checkDefinitions(expected); // throws DefinitionsChanged when one has changed
            throw new DrmsException("Cannot " + what + ": " + e.getMessage(), e);
        }
    }

    /** Sets the transaction's statement timeout; returns the one it had. */
    private String setTimeout(String value) {
        try (PreparedStatement ps = session.connection().prepareStatement(
                "SELECT current_setting('statement_timeout'), set_config('statement_timeout', ?, true)")) {
            ps.setString(1, value);
            try (ResultSet r = ps.executeQuery()) {
                r.next();
                return r.getString(1);
            }
        } catch (SQLException e) {
            throw new DrmsException("Cannot set the statement timeout: " + e.getMessage(), e);
        }
    }
}
