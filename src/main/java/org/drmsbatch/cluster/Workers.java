package org.drmsbatch.cluster;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

import javax.sql.DataSource;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceUtils;

/**
 * The cluster's two tables ({@code drms.cluster_worker}, {@code drms.cluster_partition}, see {@code V9__cluster.sql}):
 * who the workers are and whether they live, who runs each partition sent.
 */
public class Workers {

    /** A worker's row. {@code silentSeconds}: seconds since its last heartbeat, by the database's clock. */
    public record Worker(String id, String host, long pid, String state, String reason, double silentSeconds) {

        /** How messages name it. */
        public String shown() {
            return "worker " + id + " (host " + host + ", pid " + pid + ")";
        }
    }

    /**
     * A partition's row, with its worker's row when one claimed it. {@code handedBack}: why a worker being stopped
     * stopped it after a chunk and handed it back (null when none did).
     */
    public record Partition(long stepExecutionId, int attempt, double waitingSeconds, Worker worker, String refusedBy,
                            String refusal, String handedBack) {
    }

    private final DataSource dataSource;
    private final JdbcTemplate jdbc;

    public Workers(DataSource dataSource) {
        this.dataSource = dataSource;
        this.jdbc = new JdbcTemplate(dataSource);
    }

    /** Registers a worker that starts, alive, taking partitions from {@code queue}. */
    public void register(String id, String host, long pid, String queue) {
        jdbc.update("""
                INSERT INTO drms.cluster_worker (worker_id, host, pid, queue) VALUES (?, ?, ?, ?)
                ON CONFLICT (worker_id) DO UPDATE SET state = 'running', reason = NULL, last_beat = now(),
                    queue = excluded.queue""", id, host, pid, queue);
    }

    /**
     * A worker's heartbeat.
     *
     * @return its state after the beat ({@code dead} when the manager declared it dead; a worker that is gone from
     *         the table is {@code dead} too)
     */
    public String beat(String id) {
        List<String> state = jdbc.queryForList("""
                UPDATE drms.cluster_worker SET last_beat = now() WHERE worker_id = ? AND state <> 'dead'
                RETURNING state""", String.class, id);
        return state.isEmpty() ? "dead" : state.get(0);
    }

    /** Sets a live worker's state (running, refusing, stopped) and why. */
    public void state(String id, String state, String reason) {
        jdbc.update("UPDATE drms.cluster_worker SET state = ?, reason = ? WHERE worker_id = ? AND state <> 'dead'",
                state, reason, id);
    }

    public Optional<Worker> worker(String id) {
        return jdbc.query("""
                SELECT worker_id, host, pid, state, reason, extract(epoch FROM now() - last_beat)
                FROM drms.cluster_worker WHERE worker_id = ?""", (rs, i) -> worker(rs, 1), id).stream().findFirst();
    }

    /** The workers that beat within {@code seconds} and take partitions from {@code queue}. */
    public List<Worker> live(String queue, double seconds) {
        return jdbc.query("""
                SELECT worker_id, host, pid, state, reason, extract(epoch FROM now() - last_beat)
                FROM drms.cluster_worker WHERE queue = ? AND state = 'running'
                    AND last_beat > now() - make_interval(secs => ?)
                ORDER BY worker_id""", (rs, i) -> worker(rs, 1), queue, seconds);
    }

    /**
     * Declares a worker dead, unless it beat within {@code seconds} after all. Waits for the chunks the worker is
     * committing (they hold its row FOR SHARE, see {@link #fence}): once this returns true no chunk of it commits.
     *
     * @return whether the worker is dead now
     */
    public boolean declareDead(String id, double seconds, String reason) {
        jdbc.update("""
                UPDATE drms.cluster_worker SET state = 'dead', reason = ?
                WHERE worker_id = ? AND state <> 'dead' AND last_beat <= now() - make_interval(secs => ?)""",
                reason, id, seconds);
        return worker(id).map(w -> w.state().equals("dead")).orElse(true);
    }

    /** Records a partition as sent (again: one more attempt, no worker, no refusal). */
    public int sent(long stepExecutionId, long jobExecutionId, String stepName) {
        return jdbc.queryForObject("""
                INSERT INTO drms.cluster_partition (step_execution_id, job_execution_id, step_name) VALUES (?, ?, ?)
                ON CONFLICT (step_execution_id) DO UPDATE SET attempt = cluster_partition.attempt + 1, sent = now(),
                    worker_id = NULL, claimed = NULL, refused_by = NULL, refusal = NULL, handed_back = NULL
                RETURNING attempt""", Integer.class, stepExecutionId, jobExecutionId, stepName);
    }

    /**
     * A worker claims a partition: it may when no worker holds it, or when the one that did is dead. Two copies of a
     * message (a redelivery after a broker's connection dropped, a partition sent again) are claimed once.
     *
     * @return whether this worker holds the partition now (not when another worker, live, holds it already, nor
     *         when the partition was never sent)
     */
    public boolean claim(long stepExecutionId, String workerId) {
        return !jdbc.queryForList("""
                UPDATE drms.cluster_partition p SET worker_id = ?, claimed = now(), refused_by = NULL, refusal = NULL
                WHERE step_execution_id = ? AND (worker_id IS NULL OR EXISTS (
                    SELECT 1 FROM drms.cluster_worker w WHERE w.worker_id = p.worker_id AND w.state = 'dead'))
                RETURNING worker_id""", String.class, workerId, stepExecutionId).isEmpty();
    }

    /** The worker holding a partition, if any. */
    public Optional<String> holder(long stepExecutionId) {
        return jdbc.queryForList("SELECT worker_id FROM drms.cluster_partition WHERE step_execution_id = ?",
                String.class, stepExecutionId).stream().filter(java.util.Objects::nonNull).findFirst();
    }

    /** A worker refuses a partition it cannot run, saying why; the partition is left unclaimed. */
    public void refuse(long stepExecutionId, String workerId, String reason) {
        jdbc.update("""
                UPDATE drms.cluster_partition SET refused_by = ?, refusal = ?
                WHERE step_execution_id = ? AND worker_id IS NULL""", workerId, reason, stepExecutionId);
    }

    /**
     * A worker being stopped hands back a partition it stopped after a chunk, saying why, once its step has ended: the
     * manager then sends it again or ends it STOPPED with that reason.
     */
    public void handBack(long stepExecutionId, String workerId, String reason) {
        jdbc.update("UPDATE drms.cluster_partition SET handed_back = ? WHERE step_execution_id = ? AND worker_id = ?",
                reason, stepExecutionId, workerId);
    }

    public Optional<Partition> partition(long stepExecutionId) {
        return jdbc.query("""
                SELECT p.step_execution_id, p.attempt, extract(epoch FROM now() - p.sent), p.refused_by, p.refusal,
                       w.worker_id, w.host, w.pid, w.state, w.reason, extract(epoch FROM now() - w.last_beat),
                       p.handed_back
                FROM drms.cluster_partition p LEFT JOIN drms.cluster_worker w ON w.worker_id = p.worker_id
                WHERE p.step_execution_id = ?""", (rs, i) -> new Partition(rs.getLong(1), rs.getInt(2),
                rs.getDouble(3), rs.getString(6) == null ? null : worker(rs, 6), rs.getString(4), rs.getString(5),
                rs.getString(12)), stepExecutionId).stream().findFirst();
    }

    /**
     * The fence, in the transaction of a chunk of a remote partition: reads the worker's row FOR SHARE (so that the
     * manager's {@link #declareDead} waits for this chunk to commit or roll back) and fails the chunk unless the
     * worker is still alive in the manager's eyes.
     */
    public void fence(String workerId) {
        Connection c = DataSourceUtils.getConnection(dataSource);
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT state FROM drms.cluster_worker WHERE worker_id = ? FOR SHARE")) {
            ps.setString(1, workerId);
            try (ResultSet rs = ps.executeQuery()) {
                String state = rs.next() ? rs.getString(1) : "gone";
                if (state.equals("dead") || state.equals("gone")) {
                    throw new IllegalStateException("worker " + workerId + " was declared dead by the manager (its "
                            + "heartbeat stopped for longer than drms.cluster.dead-after): this chunk is rolled back, "
                            + "its partition is another worker's or failed");
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read worker " + workerId + "'s state: " + e.getMessage(), e);
        } finally {
            DataSourceUtils.releaseConnection(c, dataSource);
        }
    }

    private static Worker worker(ResultSet rs, int from) throws SQLException {
        return new Worker(rs.getString(from), rs.getString(from + 1), rs.getLong(from + 2), rs.getString(from + 3),
                rs.getString(from + 4), rs.getDouble(from + 5));
    }
}
