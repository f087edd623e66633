package org.drmsbatch.drms;

import java.net.InetAddress;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Per-record processing status ({@code status.record_step}, V8): for each input record and each job that processed it,
 * its state ({@code queued}, {@code in_progress}, {@code good}, {@code failed} with a reason), the job execution, host,
 * time, the record it became and the bytes and time it took. Jobs {@link #record} it with the connection of their
 * chunk's DRMS session, so that it commits with the chunk's records or not at all; {@link #summary} counts it per step
 * for a record set.
 */
public final class RecordStatus {

    /** A record's state in one step. */
    public enum State {
        QUEUED, IN_PROGRESS, GOOD, FAILED;

        public String text() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A record: its series (as stored, lower case) and record number. */
    public record Key(String series, long recnum) {
        public Key {
            series = series.toLowerCase(Locale.ROOT);
        }

        public static Key of(Record r) {
            return new Key(r.seriesName(), r.recnum());
        }
    }

    /** One record's status in one step. */
    public record Entry(String series, long recnum, String step, State state, String reason, long jobExecution,
            String outputSeries, Long outputRecnum, long bytes, long millis) {
    }

    /** The counts of one step over a record set. */
    public record StepSummary(String step, Map<String, Long> states, long bytes, long millis) {
    }

    /**
     * A record set's status: its records and, per step, the counts by state, bytes and time; and, when asked for, the
     * status rows themselves ({@code entries}, else empty).
     */
    public record Summary(long records, List<StepSummary> steps, List<Row> entries) {
    }

    /** One record's status in one step, as stored: who processed it, where, when, and what it became. */
    public record Row(String series, long recnum, String step, String state, String reason, Long jobExecution,
            String host, java.time.Instant updated, String outputSeries, Long outputRecnum, long bytes, long millis) {
    }

    /** Which rows a summary also lists: those of a step and a state (null: any), at most {@code limit} (0: none). */
    public record Filter(String step, State state, int limit) {
        public static final Filter NONE = new Filter(null, null, 0);
    }

    private static final String HOST = host();

    private RecordStatus() {
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "localhost";
        }
    }

    /** Stores the entries (replacing a record's earlier status in the same step) with {@code connection}. */
    public static void record(Connection connection, List<Entry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        String sql = "INSERT INTO status.record_step (series, recnum, step, state, reason, job_execution, host,"
                + " updated, output_series, output_recnum, bytes, millis) VALUES (?,?,?,?,?,?,?,now(),?,?,?,?)"
                + " ON CONFLICT (series, recnum, step) DO UPDATE SET state = EXCLUDED.state, reason = EXCLUDED.reason,"
                + " job_execution = EXCLUDED.job_execution, host = EXCLUDED.host, updated = now(),"
                + " output_series = EXCLUDED.output_series, output_recnum = EXCLUDED.output_recnum,"
                + " bytes = EXCLUDED.bytes, millis = EXCLUDED.millis";
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            for (Entry e : entries) {
                ps.setString(1, e.series().toLowerCase(Locale.ROOT));
                ps.setLong(2, e.recnum());
                ps.setString(3, e.step());
                ps.setString(4, e.state().text());
                ps.setString(5, e.reason());
                ps.setLong(6, e.jobExecution());
                ps.setString(7, HOST);
                ps.setString(8, e.outputSeries() == null ? null : e.outputSeries().toLowerCase(Locale.ROOT));
                if (e.outputRecnum() == null) {
                    ps.setNull(9, java.sql.Types.BIGINT);
                } else {
                    ps.setLong(9, e.outputRecnum());
                }
                ps.setLong(10, e.bytes());
                ps.setLong(11, e.millis());
                ps.addBatch();
            }
            ps.executeBatch();
        } catch (SQLException e) {
            throw new DrmsException("could not store the processing status of " + entries.size() + " records: "
                    + e.getMessage(), e);
        }
    }

    /**
     * Stores the entries at once in a transaction of their own (a failure's status, written after its chunk rolled
     * back).
     */
    public static void recordNow(javax.sql.DataSource dataSource, List<Entry> entries) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            record(c, entries);
        } catch (SQLException e) {
            throw new DrmsException("could not store the processing status: " + e.getMessage(), e);
        }
    }

    /**
     * Marks {@code records} queued in {@code step} for the job execution {@code jobExecution}, replacing their earlier
     * status in that step, except where a record is already good by one of {@code keepGoodOf} (the executions of the
     * same job instance: a restart keeps the work its instance has committed). Autocommitted with {@code dataSource}.
     */
    public static void queue(javax.sql.DataSource dataSource, String step, long jobExecution, List<Key> records,
            java.util.Collection<Long> keepGoodOf) {
        mark(dataSource, State.QUEUED, step, jobExecution, records, keepGoodOf);
    }

    /**
     * Marks {@code records} in progress in {@code step} by {@code jobExecution} (a chunk about to be processed), in a
     * transaction of its own with {@code dataSource}: visible while the chunk's own transaction runs.
     */
    public static void inProgress(javax.sql.DataSource dataSource, String step, long jobExecution, List<Key> records) {
        mark(dataSource, State.IN_PROGRESS, step, jobExecution, records, List.of());
    }

    /** Sets {@code records} to {@code state} in {@code step}, but not those good by one of {@code keepGoodOf}. */
    private static void mark(javax.sql.DataSource dataSource, State state, String step, long jobExecution,
            List<Key> records, java.util.Collection<Long> keepGoodOf) {
        if (records.isEmpty()) {
            return;
        }
        String sql = "INSERT INTO status.record_step (series, recnum, step, state, job_execution, host, updated)"
                + " SELECT k.series, k.recnum, ?, ?, ?, ?, now() FROM unnest(?::text[], ?::bigint[])"
                + " AS k(series, recnum)"
                + " ON CONFLICT (series, recnum, step) DO UPDATE SET state = EXCLUDED.state, reason = NULL,"
                + " job_execution = EXCLUDED.job_execution, host = EXCLUDED.host, updated = now(),"
                + " output_series = NULL, output_recnum = NULL, bytes = 0, millis = 0"
                + " WHERE NOT (record_step.state = 'good' AND record_step.job_execution = ANY (?::bigint[]))";
        update(dataSource, "mark " + state.text(), c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, step);
                ps.setString(2, state.text());
                ps.setLong(3, jobExecution);
                ps.setString(4, HOST);
                keys(c, ps, 5, records);
                ps.setArray(7, c.createArrayOf("bigint", keepGoodOf.toArray()));
                ps.executeUpdate();
            }
        });
    }

    /**
     * After a chunk of {@code records} failed and rolled back: when the failure named its record (one of them is
     * failed by {@code jobExecution} in {@code step}), the others still in progress go back to queued (they were
     * not at fault and will be processed again); when it did not (a chunk's write failed as a whole), each record
     * still in progress failed with {@code reason}.
     */
    public static void chunkFailed(javax.sql.DataSource dataSource, String step, long jobExecution,
            List<Key> records, String reason) {
        if (records.isEmpty()) {
            return;
        }
        String sql = "WITH k AS (SELECT * FROM unnest(?::text[], ?::bigint[]) AS k(series, recnum)),"
                + " named AS (SELECT EXISTS (SELECT 1 FROM status.record_step r JOIN k"
                + " ON r.series = k.series AND r.recnum = k.recnum WHERE r.step = ? AND r.state = 'failed'"
                + " AND r.job_execution = ?) AS yes)"
                + " UPDATE status.record_step r SET state = CASE WHEN named.yes THEN 'queued' ELSE 'failed' END,"
                + " reason = CASE WHEN named.yes THEN NULL ELSE ? END, updated = now() FROM k, named"
                + " WHERE r.series = k.series AND r.recnum = k.recnum AND r.step = ? AND r.state = 'in_progress'"
                + " AND r.job_execution = ?";
        update(dataSource, "record a failed chunk", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                keys(c, ps, 1, records);
                ps.setString(3, step);
                ps.setLong(4, jobExecution);
                ps.setString(5, reason);
                ps.setString(6, step);
                ps.setLong(7, jobExecution);
                ps.executeUpdate();
            }
        });
    }

    private interface Work {
        void run(Connection c) throws SQLException;
    }

    private static void update(javax.sql.DataSource dataSource, String what, Work work) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            work.run(c);
        } catch (SQLException e) {
            throw new DrmsException("could not " + what + " in the processing status: " + e.getMessage(), e);
        }
    }

    private static void keys(Connection c, PreparedStatement ps, int first, List<Key> records) throws SQLException {
        String[] series = new String[records.size()];
        Long[] recnums = new Long[records.size()];
        for (int i = 0; i < records.size(); i++) {
            series[i] = records.get(i).series();
            recnums[i] = records.get(i).recnum();
        }
        ps.setArray(first, c.createArrayOf("text", series));
        ps.setArray(first + 1, c.createArrayOf("bigint", recnums));
    }

    /**
     * The records a job execution has in each state (queued, in_progress, good, failed: all four, in that order): its
     * progress, as the records its job queued at its start go through it.
     */
    public static Map<String, Long> ofExecution(Connection connection, long jobExecution) {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (State st : State.values()) {
            counts.put(st.text(), 0L);
        }
        try (PreparedStatement ps = connection.prepareStatement("SELECT state, count(*) FROM status.record_step"
                + " WHERE job_execution = ? GROUP BY state")) {
            ps.setLong(1, jobExecution);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    counts.put(rs.getString(1), rs.getLong(2));
                }
            }
        } catch (SQLException e) {
            throw new DrmsException("could not read the processing status: " + e.getMessage(), e);
        }
        return counts;
    }

    /** The records whose status in {@code step} is failed, by series (in name order), each in recnum order. */
    public static Map<String, List<Long>> failedIn(Connection connection, String step) {
        Map<String, List<Long>> out = new TreeMap<>();
        try (PreparedStatement ps = connection.prepareStatement("SELECT series, recnum FROM status.record_step"
                + " WHERE step = ? AND state = 'failed' ORDER BY series, recnum")) {
            ps.setString(1, step);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getLong(2));
                }
            }
        } catch (SQLException e) {
            throw new DrmsException("could not read the processing status: " + e.getMessage(), e);
        }
        return out;
    }

    private static List<Row> rows(Connection connection, List<Record> records, Filter filter) {
        Map<String, List<Long>> bySeries = new TreeMap<>();
        for (Record r : records) {
            bySeries.computeIfAbsent(r.seriesName().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(r.recnum());
        }
        List<Row> rows = new ArrayList<>();
        String sql = "SELECT series, recnum, step, state, reason, job_execution, host, updated, output_series,"
                + " output_recnum, bytes, millis FROM status.record_step WHERE series = ? AND recnum = ANY (?)"
                + " AND (?::text IS NULL OR step = ?) AND (?::text IS NULL OR state = ?)"
                + " ORDER BY recnum, step LIMIT ?";
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            for (Map.Entry<String, List<Long>> e : bySeries.entrySet()) {
                if (rows.size() >= filter.limit()) {
                    break;
                }
                String state = filter.state() == null ? null : filter.state().text();
                ps.setString(1, e.getKey());
                ps.setArray(2, connection.createArrayOf("bigint", e.getValue().toArray()));
                ps.setString(3, filter.step());
                ps.setString(4, filter.step());
                ps.setString(5, state);
                ps.setString(6, state);
                ps.setInt(7, filter.limit() - rows.size());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        java.sql.Timestamp updated = rs.getTimestamp(8);
                        rows.add(new Row(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4),
                                rs.getString(5), (Long) rs.getObject(6), rs.getString(7),
                                updated == null ? null : updated.toInstant(), rs.getString(9), (Long) rs.getObject(10),
                                rs.getLong(11), rs.getLong(12)));
                    }
                }
            }
        } catch (SQLException e) {
            throw new DrmsException("could not read the processing status: " + e.getMessage(), e);
        }
        return rows;
    }

    /**
     * The status of {@code records} (the records of a record set): per step, sorted by name, the count of records in
     * each state, their output bytes and time.
     */
    public static Summary summary(Connection connection, List<Record> records) {
        return summary(connection, records, Filter.NONE);
    }

    /**
     * The status of {@code records} as {@link #summary(Connection, List)}, and the rows {@code filter} selects, in
     * order of series, recnum and step.
     */
    public static Summary summary(Connection connection, List<Record> records, Filter filter) {
        Map<String, List<Long>> bySeries = new LinkedHashMap<>();
        for (Record r : records) {
            bySeries.computeIfAbsent(r.seriesName().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(r.recnum());
        }
        Map<String, Map<String, Long>> states = new TreeMap<>();
        Map<String, long[]> totals = new TreeMap<>();
        String sql = "SELECT step, state, count(*), coalesce(sum(bytes), 0), coalesce(sum(millis), 0)"
                + " FROM status.record_step WHERE series = ? AND recnum = ANY (?) GROUP BY step, state";
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            for (Map.Entry<String, List<Long>> s : bySeries.entrySet()) {
                ps.setString(1, s.getKey());
                ps.setArray(2, connection.createArrayOf("bigint", s.getValue().toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String step = rs.getString(1);
                        states.computeIfAbsent(step, k -> new TreeMap<>()).merge(rs.getString(2), rs.getLong(3),
                                Long::sum);
                        long[] t = totals.computeIfAbsent(step, k -> new long[2]);
                        t[0] += rs.getLong(4);
                        t[1] += rs.getLong(5);
                    }
                }
            }
        } catch (SQLException e) {
            throw new DrmsException("could not read the processing status: " + e.getMessage(), e);
        }
        List<StepSummary> steps = new ArrayList<>();
        states.forEach((step, counts) -> {
            Map<String, Long> all = new LinkedHashMap<>();
            for (State st : State.values()) {
                all.put(st.text(), counts.getOrDefault(st.text(), 0L));
            }
            long[] t = totals.get(step);
            steps.add(new StepSummary(step, all, t[0], t[1]));
        });
        return new Summary(records.size(), steps, filter.limit() > 0 ? rows(connection, records, filter) : List.of());
    }
}
