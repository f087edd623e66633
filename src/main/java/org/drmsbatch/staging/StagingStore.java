package org.drmsbatch.staging;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import javax.sql.DataSource;

import org.drmsbatch.sums.Sums;

/**
 * Staging requests in PostgreSQL ({@code sql/V5__staging.sql}): a request and its files are inserted, and their
 * storage units pinned, in one transaction before the client is answered. The stage job marks files ready or in
 * error by their storage unit, across all requests ({@link #ready}, {@link #failed}), so requests for the same unit
 * share one tape read.
 *
 * <p>Methods without a {@link Connection} run in a transaction of their own; those with one run in the caller's
 * (a stage job's chunk).
 */
public class StagingStore {

    /** The holder name of a request's pins: {@code staging:<id>}. */
    public static String holder(long requestId) {
        return "staging:" + requestId;
    }

    /** A file as a request names it: its path, its storage unit (null: none), or why it is in error at once. */
    public record FileRef(String path, Long sunum, String error) {
    }

    /** A new request: kind, MWA job id and callback URL (or null), the query it named (or null), its files. */
    public record NewRequest(String kind, Long jobId, String notifyUrl, String query, List<FileRef> files) {
        public NewRequest {
            files = List.copyOf(files);
        }
    }

    /** Counts over every live request (MWA's get_stats). */
    public record Stats(long completedJobs, long incompleteJobs, long readyFiles, long errorFiles, long waitingFiles,
                        long callbackFailures, long batches) {
    }

    private final DataSource dataSource;
    private final Sums sums;

    public StagingStore(DataSource dataSource, Sums sums) {
        this.dataSource = dataSource;
        this.sums = sums;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public Sums sums() {
        return sums;
    }

    /** Work in a transaction of its own. */
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** Runs {@code work} in a transaction of its own, committed when it returns. */
    public <T> T inTransaction(Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                T out = work.run(c);
                c.commit();
                return out;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(auto);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("staging requests: " + e.getMessage(), e);
        }
    }

    /**
     * Stores a request and its files, pins its units until it expires, and marks at once the files whose unit is
     * online (ready) or that name none or an unknown one (error). Everything in one transaction: when this returns,
     * the request is durable. An MWA request whose job id names a live request is a {@link StagingException}.
     */
    public StagingRequest submit(NewRequest r, Instant expires) {
        return submit(r, expires, expires);
    }

    /**
     * {@link #submit(NewRequest, Instant)} with the pins on the request's units ending at {@code pinsExpire} rather
     * than at the request's expiry (a WLCG client's {@code diskLifetime}). The request's own expiry still removes its
     * pins if it comes first and the request is live then.
     */
    public StagingRequest submit(NewRequest r, Instant expires, Instant pinsExpire) {
        return inTransaction(c -> {
            if (r.kind().equals("mwa") && r.jobId() != null) {
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT pg_advisory_xact_lock(hashtext('staging.mwa'), hashtext(?))")) {
                    ps.setString(1, Long.toString(r.jobId()));
                    ps.execute();
                }
                if (liveMwa(c, r.jobId()).isPresent()) {
                    throw new DuplicateJobException(r.jobId());
                }
            }
            long id;
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO staging.request (token, kind, job_id, notify_url, query, expires, total_files)
                    VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id""")) {
                ps.setString(1, UUID.randomUUID().toString());
                ps.setString(2, r.kind());
                ps.setObject(3, r.jobId());
                ps.setString(4, r.notifyUrl());
                ps.setString(5, r.query());
                ps.setObject(6, OffsetDateTime.ofInstant(expires, ZoneOffset.UTC));
                ps.setInt(7, r.files().size());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    id = rs.getLong(1);
                }
            }
            Map<String, FileRef> unique = new LinkedHashMap<>();
            r.files().forEach(f -> unique.putIfAbsent(f.path(), f));
            List<Long> units = unique.values().stream().filter(f -> f.sunum() != null && f.error() == null)
                    .map(FileRef::sunum).distinct().toList();
            Map<Long, Sums.Info> info = sums.get(c, units, false, 0);
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO staging.file (request_id, path, sunum, state, reason, finished_at)
                    VALUES (?, ?, ?, ?, ?, CASE WHEN ? = 'waiting' THEN NULL ELSE now() END)""")) {
                for (FileRef f : unique.values()) {
                    String state = "waiting";
                    String reason = f.error();
                    if (reason == null && f.sunum() == null) {
                        reason = "names no storage unit";
                    }
                    if (reason == null) {
                        Sums.Info i = info.get(f.sunum());
                        if (i == null) {
                            reason = "unknown storage unit " + f.sunum();
                        } else if (i.online()) {
                            state = "ready";
                        } else if (!i.archived()) {
                            reason = "storage unit " + f.sunum() + " is offline and was never archived: its data"
                                    + " are gone";
                        }
                    }
                    if (reason != null) {
                        state = "error";
                    }
                    ps.setLong(1, id);
                    ps.setString(2, f.path());
                    ps.setObject(3, f.sunum());
                    ps.setString(4, state);
                    ps.setString(5, reason);
                    ps.setString(6, state);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            if (unique.size() != r.files().size()) {
                try (PreparedStatement ps = c.prepareStatement(
                        "UPDATE staging.request SET total_files = ? WHERE id = ?")) {
                    ps.setInt(1, unique.size());
                    ps.setLong(2, id);
                    ps.executeUpdate();
                }
            }
            sums.pin(c, info.keySet(), holder(id), pinsExpire);
            return request(c, id).orElseThrow();
        });
    }

    /** The job id of an MWA request that is live already. */
    public static final class DuplicateJobException extends StagingException {
        public DuplicateJobException(long jobId) {
            super("Job " + jobId + " already exists");
        }
    }

    private static final String REQUEST = """
            SELECT r.*,
                   count(f.path) FILTER (WHERE f.state = 'ready') AS n_ready,
                   count(f.path) FILTER (WHERE f.state = 'error') AS n_error,
                   count(f.path) FILTER (WHERE f.state = 'cancelled') AS n_cancelled,
                   max(f.finished_at) FILTER (WHERE f.state = 'ready') AS last_ready,
                   max(f.finished_at) FILTER (WHERE f.state IN ('ready', 'error')) AS last_finished
            FROM staging.request r LEFT JOIN staging.file f ON f.request_id = r.id
            """;

    private static Optional<StagingRequest> one(PreparedStatement ps) throws SQLException {
        List<StagingRequest> out = list(ps);
        return out.isEmpty() ? Optional.empty() : Optional.of(out.get(0));
    }

    private static List<StagingRequest> list(PreparedStatement ps) throws SQLException {
        List<StagingRequest> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new StagingRequest(rs.getLong("id"), rs.getString("token"), rs.getString("kind"),
                        (Long) rs.getObject("job_id"), rs.getString("notify_url"), rs.getString("query"),
                        instant(rs, "created"), instant(rs, "expires"), rs.getString("state"),
                        instant(rs, "completed_at"), (Integer) rs.getObject("return_code"), rs.getString("comment"),
                        rs.getInt("callback_attempts"), instant(rs, "callback_next"), rs.getString("callback_error"),
                        instant(rs, "notified_at"), rs.getInt("total_files"), rs.getInt("n_ready"),
                        rs.getInt("n_error"), rs.getInt("n_cancelled"), instant(rs, "last_ready"),
                        instant(rs, "last_finished")));
            }
        }
        return out;
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }

    private static Optional<StagingRequest> request(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(REQUEST + " WHERE r.id = ? GROUP BY r.id")) {
            ps.setLong(1, id);
            return one(ps);
        }
    }

    private static Optional<StagingRequest> liveMwa(Connection c, long jobId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(REQUEST + """
                 WHERE r.kind = 'mwa' AND r.job_id = ? AND r.state IN ('active', 'completed') GROUP BY r.id""")) {
            ps.setLong(1, jobId);
            return one(ps);
        }
    }

    /** A request by its database id. */
    public Optional<StagingRequest> request(long id) {
        return inTransaction(c -> request(c, id));
    }

    /** A request by its token (the WLCG and drms request id). */
    public Optional<StagingRequest> byToken(String token) {
        return inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(REQUEST + " WHERE r.token = ? GROUP BY r.id")) {
                ps.setString(1, token);
                return one(ps);
            }
        });
    }

    /** The latest MWA request with this job id (live or not). */
    public Optional<StagingRequest> latestMwa(long jobId) {
        return inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(REQUEST + """
                     WHERE r.kind = 'mwa' AND r.job_id = ? GROUP BY r.id ORDER BY r.id DESC LIMIT 1""")) {
                ps.setLong(1, jobId);
                return one(ps);
            }
        });
    }

    /** The requests of a kind (null: every kind), newest first; {@code liveOnly}: active and completed ones. */
    public List<StagingRequest> requests(String kind, boolean liveOnly, int limit) {
        return inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(REQUEST + """
                     WHERE (?::text IS NULL OR r.kind = ?) AND (NOT ? OR r.state IN ('active', 'completed'))
                     GROUP BY r.id ORDER BY r.id DESC LIMIT ?""")) {
                ps.setString(1, kind);
                ps.setString(2, kind);
                ps.setBoolean(3, liveOnly);
                ps.setInt(4, limit);
                return list(ps);
            }
        });
    }

    /** A request's files, in path order. */
    public List<StagingFile> files(long requestId) {
        return inTransaction(c -> {
            List<StagingFile> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT path, sunum, state, reason, started_at, finished_at, released FROM staging.file
                    WHERE request_id = ? ORDER BY path""")) {
                ps.setLong(1, requestId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new StagingFile(rs.getString(1), (Long) rs.getObject(2), rs.getString(3),
                                rs.getString(4), instant(rs, "started_at"), instant(rs, "finished_at"),
                                rs.getBoolean(7)));
                    }
                }
            }
            return out;
        });
    }

    /** Counts over the live requests and their files. */
    public Stats stats() {
        return inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT count(*) FILTER (WHERE r.state = 'completed'),
                           count(*) FILTER (WHERE r.state = 'active'),
                           coalesce(sum((SELECT count(*) FROM staging.file f
                                         WHERE f.request_id = r.id AND f.state = 'ready')), 0),
                           coalesce(sum((SELECT count(*) FROM staging.file f
                                         WHERE f.request_id = r.id AND f.state = 'error')), 0),
                           coalesce(sum((SELECT count(*) FROM staging.file f
                                         WHERE f.request_id = r.id AND f.state = 'waiting')), 0),
                           count(*) FILTER (WHERE r.callback_error IS NOT NULL),
                           (SELECT last_value FROM staging.batch_seq)
                    FROM staging.request r WHERE r.state IN ('active', 'completed')""");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Stats(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
                        rs.getLong(6), rs.getLong(7));
            }
        });
    }

    /** The request states, each with its count of requests (every state, zero when none is in it). */
    public static final List<String> REQUEST_STATES = List.of("active", "completed", "notified", "expired",
            "cancelled");

    /** How many requests are in each state ({@link #REQUEST_STATES}), ended ones included: one pass over them. */
    public Map<String, Long> requestsByState() {
        return inTransaction(c -> {
            Map<String, Long> out = new LinkedHashMap<>();
            REQUEST_STATES.forEach(s -> out.put(s, 0L));
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT state, count(*) FROM staging.request GROUP BY state");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getLong(2));
                }
            }
            return out;
        });
    }

    /** Files waiting for their unit to come off tape, over every request (an index of the waiting files only). */
    public long waitingFiles() {
        return inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT count(*) FROM staging.file WHERE state = 'waiting'");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    /** When a file of any request last became ready or failed (MWA's last_message); null: never. */
    public Instant lastFinished() {
        return inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT max(finished_at) AS last FROM staging.file WHERE state IN ('ready', 'error')");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return instant(rs, "last");
            }
        });
    }

    /** One file path of each of these requests (the first in path order; MWA's job list shows one). */
    public Map<Long, String> samplePaths(Collection<Long> requestIds) {
        Map<Long, String> out = new LinkedHashMap<>();
        if (requestIds.isEmpty()) {
            return out;
        }
        return inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT DISTINCT ON (request_id) request_id, path FROM staging.file WHERE request_id = ANY (?)
                    ORDER BY request_id, path""")) {
                ps.setArray(1, c.createArrayOf("bigint", requestIds.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.put(rs.getLong(1), rs.getString(2));
                    }
                }
            }
            return out;
        });
    }

    /**
     * Bytes of the online storage units: those the scrub may take off disk (archived, no live pin) and the others
     * (not archived, or pinned by a request or a job).
     */
    public record OnlineBytes(long releasable, long nonReleasable) {
    }

    public OnlineBytes onlineBytes() {
        return inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT coalesce(sum(m.bytes) FILTER (WHERE free), 0),
                           coalesce(sum(m.bytes) FILTER (WHERE NOT free), 0)
                    FROM (SELECT m.bytes, m.archive_status = 'Y' AND NOT EXISTS (
                              SELECT 1 FROM sums.sum_pin p WHERE p.ds_index = m.ds_index
                              AND (p.expires IS NULL OR p.expires > now())) AS free
                          FROM sums.sum_main m WHERE m.online_status = 'Y') m""");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new OnlineBytes(rs.getLong(1), rs.getLong(2));
            }
        });
    }

    /**
     * Cancels files of a request ({@code paths} null: all of them, and the request itself): waiting files become
     * cancelled, and the request's pins on units no file of it still wants are removed. A unit that no other request
     * waits for is no longer asked of the tape. Returns the paths of the request that are not among its files
     * (nothing is changed then).
     */
    public List<String> cancel(long requestId, Collection<String> paths) {
        return inTransaction(c -> {
            List<String> missing = missing(c, requestId, paths);
            if (!missing.isEmpty()) {
                return missing;
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE staging.file SET state = 'cancelled', finished_at = now()
                    WHERE request_id = ? AND state = 'waiting' AND (?::text[] IS NULL OR path = ANY (?))""")) {
                ps.setLong(1, requestId);
                java.sql.Array a = paths == null ? null : c.createArrayOf("text", paths.toArray());
                ps.setArray(2, a);
                ps.setArray(3, a);
                ps.executeUpdate();
            }
            if (paths == null) {
                try (PreparedStatement ps = c.prepareStatement("""
                        UPDATE staging.request SET state = 'cancelled', completed_at = coalesce(completed_at, now())
                        WHERE id = ? AND state IN ('active', 'completed')""")) {
                    ps.setLong(1, requestId);
                    ps.executeUpdate();
                }
                sums.unpin(c, holder(requestId));
            } else {
                unpinUnwanted(c, requestId);
            }
            return List.of();
        });
    }

    /**
     * Releases files of a request (WLCG release): the client needs them on disk no longer, so the request's pins on
     * their units go (other requests' pins stay). Returns the paths that are not among its files (nothing changed).
     */
    public List<String> release(long requestId, Collection<String> paths) {
        return inTransaction(c -> {
            List<String> missing = missing(c, requestId, paths);
            if (!missing.isEmpty()) {
                return missing;
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE staging.file SET released = true WHERE request_id = ? AND path = ANY (?)""")) {
                ps.setLong(1, requestId);
                ps.setArray(2, c.createArrayOf("text", paths.toArray()));
                ps.executeUpdate();
            }
            unpinUnwanted(c, requestId);
            return List.of();
        });
    }

    /** Removes a request for good (WLCG DELETE after its cancel): its files and report go with it. */
    public void delete(long requestId) {
        inTransaction(c -> {
            sums.unpin(c, holder(requestId));
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM staging.request WHERE id = ?")) {
                ps.setLong(1, requestId);
                return ps.executeUpdate();
            }
        });
    }

    private static List<String> missing(Connection c, long requestId, Collection<String> paths) throws SQLException {
        if (paths == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT p FROM unnest(?::text[]) AS p
                WHERE NOT EXISTS (SELECT 1 FROM staging.file f WHERE f.request_id = ? AND f.path = p)""")) {
            ps.setArray(1, c.createArrayOf("text", paths.toArray()));
            ps.setLong(2, requestId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    /** Drops the request's pins on units none of its files still wants (all cancelled or released). */
    private static void unpinUnwanted(Connection c, long requestId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                DELETE FROM sums.sum_pin p WHERE p.holder = ? AND NOT EXISTS (
                    SELECT 1 FROM staging.file f WHERE f.request_id = ? AND f.sunum = p.ds_index
                    AND f.state <> 'cancelled' AND NOT f.released)""")) {
            ps.setString(1, holder(requestId));
            ps.setLong(2, requestId);
            ps.executeUpdate();
        }
    }

    // ---- what the stage job calls, in its chunk's transaction ----

    /** Marks ready every waiting file, of any request, whose unit is one of these (they are online now). */
    public static int ready(Connection c, Collection<Long> sunums) throws SQLException {
        if (sunums.isEmpty()) {
            return 0;
        }
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE staging.file SET state = 'ready', finished_at = now(),
                       started_at = coalesce(started_at, now())
                WHERE state = 'waiting' AND sunum = ANY (?)""")) {
            ps.setArray(1, c.createArrayOf("bigint", sunums.toArray()));
            return ps.executeUpdate();
        }
    }

    /** Marks in error, with the reason, every waiting file of any request whose unit failed to stage. */
    public static int failed(Connection c, Map<Long, String> reasons) throws SQLException {
        int n = 0;
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE staging.file SET state = 'error', reason = ?, finished_at = now(),
                       started_at = coalesce(started_at, now())
                WHERE state = 'waiting' AND sunum = ?""")) {
            for (Map.Entry<Long, String> e : reasons.entrySet()) {
                ps.setString(1, e.getValue());
                ps.setLong(2, e.getKey());
                n += ps.executeUpdate();
            }
        }
        return n;
    }

    /** The units a stage batch is to read: those of the files still waiting that the batch was made for. */
    public static List<Long> batchUnits(Connection c, long batch) throws SQLException {
        List<Long> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT DISTINCT sunum FROM staging.file WHERE batch = ? AND state = 'waiting' AND sunum IS NOT NULL
                ORDER BY sunum""")) {
            ps.setLong(1, batch);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getLong(1));
                }
            }
        }
        return out;
    }
}
