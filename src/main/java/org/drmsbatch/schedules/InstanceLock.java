package org.drmsbatch.schedules;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

import javax.sql.DataSource;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.drmsbatch.schedules.JobRequestException.Reason;
import org.springframework.batch.core.job.DefaultJobKeyGenerator;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.jdbc.CannotGetJdbcConnectionException;

/**
 * An exclusive lock on one job instance (a job's name and its identifying parameters), held around Spring Batch's
 * check-and-create of an execution: its launcher looks for a running or completed execution of the instance, then
 * creates a new one, in separate transactions, so two launches of one instance at the same moment could both pass the
 * check and both run. Under this lock the second launch sees the first one's execution (and is refused with 409).
 *
 * <p>The lock is a PostgreSQL transaction-scoped advisory lock (the two-key form, apart from the one-key locks of
 * sessions), so it holds across every process that uses the database; it is held on a connection of its own while
 * Spring Batch's repository commits on others, and it ends with that connection's transaction, so a process that dies
 * holding it releases it. Within this JVM one launch at a time holds it: a launch holds two connections of the pool
 * (the lock's and the repository's), and launches waiting on the lock must not take every connection of the pool.
 */
final class InstanceLock {

    private static final Log log = LogFactory.getLog(InstanceLock.class);

    /** The first key of the advisory locks taken here ("JOBS"), so that they meet no other lock of the database. */
    static final int KEY_SPACE = 0x4a4f4253;
    /** How long a launch waits for another process' launch of the same instance to finish its check-and-create. */
    static final Duration WAIT = Duration.ofSeconds(60);

    private final DataSource dataSource;
    private final Semaphore here = new Semaphore(1, true);
    private final DefaultJobKeyGenerator keys = new DefaultJobKeyGenerator();

    InstanceLock(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** The lock's second key: the instance's job name and Spring Batch's key of its identifying parameters. */
    int key(String jobName, JobParameters parameters) {
        return (jobName + "\n" + keys.generateKey(parameters)).hashCode();
    }

    /** Runs {@code work} holding the lock on the instance of {@code jobName} with these identifying parameters. */
    <T> T holding(String jobName, JobParameters parameters, Supplier<T> work) {
        try {
            here.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JobRequestException(Reason.CONFLICT, "interrupted while waiting to launch job '" + jobName
                    + "'", e);
        }
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                lock(c, jobName, key(jobName, parameters));
                return work.get();
            } finally {
                try {
                    c.rollback(); // ends the transaction, and with it the lock
                    c.setAutoCommit(autoCommit);
                } catch (SQLException e) {
                    log.warn("could not end the launch lock's transaction (its connection is closed): " + e);
                }
            }
        } catch (SQLException e) {
            throw new CannotGetJdbcConnectionException("no connection for the launch lock of job '" + jobName + "'",
                    e);
        } finally {
            here.release();
        }
    }

    private static void lock(Connection c, String jobName, int key) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SET LOCAL lock_timeout = '" + WAIT.toMillis() + "ms'");
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(?, ?)")) {
            ps.setInt(1, KEY_SPACE);
            ps.setInt(2, key);
            ps.executeQuery().close();
        } catch (SQLException e) {
            if ("55P03".equals(e.getSQLState())) { // lock_not_available: the lock_timeout passed
                throw new JobRequestException(Reason.CONFLICT, "another process has been launching job '" + jobName
                        + "' with these identifying parameters for " + WAIT.toSeconds() + " s; try again", e);
            }
            throw e;
        }
    }
}
