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

    /** One record's status in one step. */
    public record Entry(String series, long recnum, String step, State state, String reason, long jobExecution,
            String outputSeries, Long outputRecnum, long bytes, long millis) {
    }

    /** The counts of one step over a record set. */
    public record StepSummary(String step, Map<String, Long> states, long bytes, long millis) {
    }

    /** A record set's status: its records and, per step, the counts by state, bytes and time. */
    public record Summary(long records, List<StepSummary> steps) {
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

    /** The record numbers of {@code series} whose status in {@code step} is failed, in order. */
    public static List<Long> failed(Connection connection, String series, String step) {
        List<Long> recnums = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement("SELECT recnum FROM status.record_step"
                + " WHERE series = ? AND step = ? AND state = 'failed' ORDER BY recnum")) {
            ps.setString(1, series.toLowerCase(Locale.ROOT));
            ps.setString(2, step);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    recnums.add(rs.getLong(1));
                }
            }
        } catch (SQLException e) {
            throw new DrmsException("could not read the processing status: " + e.getMessage(), e);
        }
        return recnums;
    }

    /**
     * The status of {@code records} (the records of a record set): per step, sorted by name, the count of records in
     * each state, their output bytes and time.
     */
    public static Summary summary(Connection connection, List<Record> records) {
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
        return new Summary(records.size(), steps);
    }
}
