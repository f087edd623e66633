package org.drmsbatch.staging;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.drmsbatch.drms.DrmsException;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.query.Query;
import org.drmsbatch.drms.query.QueryException;
import org.drmsbatch.drms.query.RecordSets;
import org.drmsbatch.sums.Sums;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The staging service (MWA's staged + kafkad, specs staging-and-buffer.md A.5): takes requests, has their units
 * staged from tape in batches, and reports. {@link #tick()} is the monitor loop's one turn, run every
 * {@code drms.staging.check-interval}: in one process at a time (a PostgreSQL advisory lock), it
 * <ol>
 *   <li>marks ready the waiting files whose unit is online (staged by any job, or never offline);</li>
 *   <li>completes the active requests none of whose files waits any more, with MWA's return code and comment;</li>
 *   <li>gives up the live requests past their expiry, reporting them once (return code from the counts);</li>
 *   <li>starts a stage batch ({@link StageLauncher}) for the files waiting and not asked of the tape yet, or asked
 *       longer than {@code drms.staging.restage-interval} ago, when no batch is running: one tape read for every
 *       request that wants a unit;</li>
 *   <li>delivers the callbacks that are due (only HTTP 200 counts; a failure is retried after
 *       {@code drms.staging.callback-retry}; at most {@code callbacks-per-minute});</li>
 *   <li>writes the failure reports of requests that ended with a return code other than 0, and removes expired
 *       ones and the lapsed pins of requests.</li>
 * </ol>
 * A file whose stage batch ended without staging it (the job was killed with its server) is asked again after
 * {@code drms.staging.restage-interval}, as MWA re-stages.
 */
public class StagingService {

    private static final Logger log = LoggerFactory.getLogger(StagingService.class);

    /** A path component naming a storage unit: {@code D<sunum>}. */
    private static final Pattern UNIT = Pattern.compile("D(\\d{1,18})");

    /** Starts the stage job for a batch of waiting files; says whether one still runs. */
    public interface StageLauncher {
        /** Whether a stage batch started by the staging service is still running (in any process). */
        boolean busy();

        /** Starts the stage job for the units of batch {@code batch} ({@link StagingStore#batchUnits}). */
        void launch(long batch);
    }

    private final StagingStore store;
    private final StagingSettings settings;
    private final StageLauncher launcher;
    private final Callbacks callbacks;
    private final Clock clock;

    /** When the monitor's current (or last) turn began and when its last turn ended, and how many it made. */
    private volatile Instant turnStarted;
    private volatile Instant lastTurn;
    private volatile long turns;

    public StagingService(StagingStore store, StagingSettings settings, StageLauncher launcher, Callbacks callbacks,
            Clock clock) {
        this.store = store;
        this.settings = settings;
        this.launcher = launcher;
        this.callbacks = callbacks;
        this.clock = clock;
    }

    public StagingStore store() {
        return store;
    }

    /** The callbacks it delivers, with their counts. */
    public Callbacks callbacks() {
        return callbacks;
    }

    public StagingSettings settings() {
        return settings;
    }

    // ---- taking requests ----

    /**
     * A path as a client named it, sanitised: surrounding blanks off, duplicate slashes collapsed (WLCG: the server
     * MUST sanitise). Empty is a {@link StagingException}.
     */
    public static String sanitise(String path) {
        if (path == null || path.isBlank()) {
            throw new StagingException("a file path is empty");
        }
        String p = path.trim().replaceAll("/{2,}", "/");
        if (p.length() > 4096) {
            throw new StagingException("a file path is longer than 4096 characters");
        }
        return p;
    }

    /** The storage unit a path names: its last {@code D<sunum>} component; null when it names none. */
    public static Long unitOf(String path) {
        Long found = null;
        for (String component : path.split("/")) {
            Matcher m = UNIT.matcher(component);
            if (m.matches()) {
                found = Long.parseLong(m.group(1));
            }
        }
        return found;
    }

    /** Files named by paths: each path's unit ({@link #unitOf}); a path that names none is in error at once. */
    public static List<StagingStore.FileRef> files(Collection<String> paths) {
        Set<String> seen = new LinkedHashSet<>();
        for (String p : paths) {
            seen.add(sanitise(p));
        }
        List<StagingStore.FileRef> out = new ArrayList<>();
        for (String p : seen) {
            Long sunum = unitOf(p);
            out.add(new StagingStore.FileRef(p, sunum, sunum == null ? "names no storage unit (no D<sunum>"
                    + " component)" : null));
        }
        return out;
    }

    /** Files of the units of a record set ({@code sunums} in the records' order): one file {@code D<sunum>} each. */
    public static List<StagingStore.FileRef> unitFiles(Collection<Long> sunums) {
        return new LinkedHashSet<>(sunums).stream()
                .map(s -> new StagingStore.FileRef("D" + s, s, null)).toList();
    }

    /**
     * Files of the storage units of a record-set query's records ({@link #unitFiles}), in the records' order. A query
     * that does not parse is a {@link StagingException} with the parser's message (its position).
     */
    public static List<StagingStore.FileRef> queryFiles(RecordSets recordSets, String query) {
        Query q;
        try {
            q = recordSets.parseWithoutFiles(query);
        } catch (DrmsException e) {
            throw new StagingException("query: " + e.getMessage());
        }
        Set<Long> units = new LinkedHashSet<>();
        try {
            recordSets.stream(q, 0, 1000, page -> {
                for (Record r : page) {
                    if (r.sunum() >= 0) {
                        units.add(r.sunum());
                    }
                }
                return true;
            });
        } catch (QueryException e) {
            // what only the data show (a division by zero in a condition): the query's fault, at its position
            throw new StagingException("query: " + e.getMessage());
        }
        return unitFiles(units);
    }

    /**
     * A request of a drms client (the REST API {@code /api/staging}, {@code drms stage}): its files named by exactly
     * one of storage unit numbers ({@link #unitFiles}), a record-set query ({@link #queryFiles}; the request keeps
     * its text) or SUMS paths ({@link #files}); the others null. Anything else is a {@link StagingException} saying
     * what, before anything is stored.
     */
    public static StagingStore.NewRequest drmsRequest(RecordSets recordSets, List<Long> sunums, String ds,
            List<String> paths, String notifyUrl) {
        int given = (sunums != null ? 1 : 0) + (ds != null ? 1 : 0) + (paths != null ? 1 : 0);
        if (given != 1) {
            throw new StagingException("name the files to stage with exactly one of sunum, ds or paths"
                    + (given == 0 ? "" : " (" + given + " were given)"));
        }
        if (notifyUrl != null && notifyUrl.isBlank()) {
            notifyUrl = null;
        }
        List<StagingStore.FileRef> files;
        if (sunums != null) {
            if (sunums.isEmpty()) {
                throw new StagingException("sunum: names no storage unit");
            }
            for (Long s : sunums) {
                if (s == null || s < 0) {
                    throw new StagingException("sunum: " + s + " is not a storage unit number (a number >= 0)");
                }
            }
            files = unitFiles(sunums);
        } else if (paths != null) {
            if (paths.isEmpty()) {
                throw new StagingException("paths: names no file");
            }
            files = files(paths);
        } else {
            if (ds.isBlank()) {
                throw new StagingException("ds: the query is empty");
            }
            files = queryFiles(recordSets, ds);
        }
        return new StagingStore.NewRequest("drms", null, notifyUrl, ds, files);
    }

    // ---- requests by the id their clients know (the token) ----

    /** The request with this id (its token), if there is one. */
    public Optional<StagingRequest> request(String token) {
        return token == null || token.isBlank() ? Optional.empty() : store.byToken(token.trim());
    }

    /** The request with this id, or an {@link UnknownRequestException}. */
    public StagingRequest existing(String token) {
        return request(token).orElseThrow(() -> new UnknownRequestException(token));
    }

    /**
     * Cancels a request by its id: its waiting files are no longer staged for it (a unit another request waits for
     * still is), and its pins go. A request that ended by expiring or being cancelled is an
     * {@link EndedRequestException}; one that completed can be cancelled, which only releases its pins. Returns the
     * request as it is then.
     */
    public StagingRequest cancel(String token) {
        StagingRequest r = existing(token);
        if (r.state().equals("expired") || r.state().equals("cancelled")) {
            throw new EndedRequestException(r);
        }
        store.cancel(r.id(), null);
        log.info("Staging request {} cancelled ({} files were waiting)", r.token(), r.waitingFiles());
        return store.request(r.id()).orElseThrow();
    }

    /** No request has this id. */
    public static final class UnknownRequestException extends StagingException {
        public UnknownRequestException(String token) {
            super("no staging request '" + token + "'");
        }
    }

    /** The request has ended (expired or cancelled) and cannot be changed any more. */
    public static final class EndedRequestException extends StagingException {
        public EndedRequestException(StagingRequest r) {
            super("staging request " + r.token() + " has ended (" + r.state() + ")");
        }
    }

    /**
     * Takes a request: checks its callback URL against the allow-list, stores it durably with its files and pins
     * ({@link StagingStore#submit}), and completes at once one that names no file (MWA's 101).
     */
    public StagingRequest submit(StagingStore.NewRequest r) {
        return submit(r, null);
    }

    /**
     * {@link #submit(StagingStore.NewRequest)} with the request's pins lasting {@code pinLifetime} from now (null:
     * until the request expires, {@code drms.staging.expiry}): a WLCG client's {@code diskLifetime}.
     */
    public StagingRequest submit(StagingStore.NewRequest r, Duration pinLifetime) {
        if (r.notifyUrl() != null) {
            CallbackTarget.check(r.notifyUrl(), settings.callbackHosts());
        }
        Instant now = clock.instant();
        Instant expires = now.plus(settings.expiry());
        StagingRequest out = store.submit(r, expires, pinLifetime == null ? expires : now.plus(pinLifetime));
        log.info("Staging request {} ({}{}): {} files, {} ready, {} in error", out.token(), out.kind(),
                out.jobId() == null ? "" : " job " + out.jobId(), out.totalFiles(), out.readyFiles(),
                out.errorFiles());
        return out;
    }

    // ---- the monitor ----

    /** One turn of the monitor (see the class comment); does nothing while another process runs one. */
    public synchronized void tick() {
        turnStarted = clock.instant();
        try (Connection lock = store.dataSource().getConnection()) {
            if (!advisory(lock, "pg_try_advisory_lock")) {
                return;
            }
            try {
                store.inTransaction(StagingService::markOnline);
                complete();
                expire();
                restage();
                deliver();
                cleanReports();
                store.inTransaction(StagingService::dropLapsedPins);
            } finally {
                advisory(lock, "pg_advisory_unlock");
            }
        } catch (SQLException e) {
            log.warn("Staging monitor: {}", e.getMessage());
        } finally {
            turns++;
            lastTurn = clock.instant();
        }
    }

    /**
     * The counts of one housekeeping pass ({@link #expireNow}).
     *
     * @param requestsExpired live requests past their expiry, reported and ended
     * @param pinsDropped     {@code staging:*} pins removed: those of the requests ended, and lapsed ones
     * @param reportsRemoved  expired failure reports removed: database rows and report files
     */
    public record Expiry(int requestsExpired, int pinsDropped, int reportsRemoved) {
    }

    /**
     * The monitor's housekeeping on its own, for a site that runs it from a schedule (the {@code staging-expiry}
     * job): gives up the live requests past their expiry (reported once, as {@link #tick} does), drops the lapsed
     * {@code staging:*} pins and removes the expired failure reports. Holds the monitor's lock meanwhile, waiting
     * for a turn under way in another process to end.
     */
    public synchronized Expiry expireNow() {
        try (Connection lock = store.dataSource().getConnection()) {
            try (PreparedStatement ps = lock.prepareStatement("SELECT pg_advisory_lock(hashtext('staging.monitor'))")) {
                ps.execute(); // waits for a turn under way elsewhere
            }
            try {
                Expired expired = expire();
                int reports = cleanReports();
                int lapsed = store.inTransaction(StagingService::dropLapsedPins);
                return new Expiry(expired.requests(), expired.pins() + lapsed, reports);
            } finally {
                advisory(lock, "pg_advisory_unlock");
            }
        } catch (SQLException e) {
            throw new StagingException("staging expiry: " + e.getMessage());
        }
    }

    private static boolean advisory(Connection c, String function) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + function + "(hashtext('staging.monitor'))");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    /** Removes the pins of requests that have lapsed (the scrub ignores them already; this keeps the table small). */
    private static int dropLapsedPins(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "DELETE FROM sums.sum_pin WHERE holder LIKE 'staging:%' AND expires < now()")) {
            return ps.executeUpdate();
        }
    }

    private static int markOnline(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE staging.file f SET state = 'ready', finished_at = now(),
                       started_at = coalesce(f.started_at, now())
                FROM sums.sum_main m
                WHERE f.state = 'waiting' AND m.ds_index = f.sunum AND m.online_status = 'Y'""")) {
            return ps.executeUpdate();
        }
    }

    /** Active requests with no waiting file: completed, with their result; the callback is due now. */
    private void complete() {
        List<StagingRequest> done = store.requests(null, true, Integer.MAX_VALUE).stream()
                .filter(r -> r.state().equals("active") && r.done()).toList();
        for (StagingRequest r : done) {
            JobResult result = result(r);
            store.inTransaction(c -> {
                try (PreparedStatement ps = c.prepareStatement("""
                        UPDATE staging.request SET state = CASE WHEN notify_url IS NULL THEN 'notified'
                                                               ELSE 'completed' END,
                               completed_at = now(), return_code = ?, comment = ?, callback_next = now()
                        WHERE id = ? AND state = 'active'""")) {
                    ps.setInt(1, result.return_code());
                    ps.setString(2, result.comment());
                    ps.setLong(3, r.id());
                    return ps.executeUpdate();
                }
            });
            if (reported(result)) {
                report(r, result);
            }
        }
    }

    /**
     * Whether a result gets a failure report: file errors or a timeout (MWA's kafkad writes one for every result
     * other than 0; a request that named no file, 101, is answered by staged and never reaches it).
     */
    private static boolean reported(JobResult result) {
        return result.return_code() != JobResult.JOB_SUCCESS && result.return_code() != JobResult.JOB_NO_FILES;
    }

    /** The MWA result of a request as its counts stand. */
    public JobResult result(StagingRequest r) {
        return JobResult.of(r.jobId() == null ? r.id() : r.jobId(), r.totalFiles() - r.cancelledFiles(),
                r.readyFiles(), r.errorFiles(), settings.expiry().toSeconds());
    }

    /**
     * Live requests past their expiry: reported once (one last callback attempt) and ended. Returns how many, and
     * how many of their pins were removed.
     */
    private Expired expire() {
        Instant now = clock.instant();
        List<StagingRequest> old = store.requests(null, true, Integer.MAX_VALUE).stream()
                .filter(r -> r.expires().isBefore(now)).toList();
        int pins = 0;
        for (StagingRequest r : old) {
            JobResult result = r.returnCode() != null ? new JobResult(r.jobId() == null ? r.id() : r.jobId(),
                    r.returnCode(), r.totalFiles(), r.readyFiles(), r.errorFiles(), r.comment()) : result(r);
            String error = null;
            boolean delivered = r.notifyUrl() == null || r.state().equals("notified");
            if (!delivered) {
                error = callbacks.deliver(r.notifyUrl(), result);
                delivered = error == null;
            }
            String lastError = error;
            boolean ok = delivered;
            int unpinned = store.inTransaction(c -> {
                try (PreparedStatement ps = c.prepareStatement("""
                        UPDATE staging.request SET state = 'expired', completed_at = coalesce(completed_at, now()),
                               return_code = ?, comment = ?, callback_attempts = callback_attempts + ?,
                               callback_error = ?, notified_at = CASE WHEN ? THEN now() ELSE notified_at END
                        WHERE id = ?""")) {
                    ps.setInt(1, result.return_code());
                    ps.setString(2, result.comment());
                    ps.setInt(3, r.notifyUrl() == null ? 0 : 1);
                    ps.setString(4, lastError);
                    ps.setBoolean(5, ok && r.notifyUrl() != null);
                    ps.setLong(6, r.id());
                    ps.executeUpdate();
                }
                return store.sums().unpin(c, StagingStore.holder(r.id()));
            });
            pins += unpinned;
            log.info("Staging request {} expired: {}", r.token(), result.comment());
            if (reported(result)) {
                report(r, result);
            }
        }
        return new Expired(old.size(), pins);
    }

    /** What {@link #expire} did: requests ended, pins removed. */
    private record Expired(int requests, int pins) {
    }

    /** Starts a stage batch for the waiting files not asked of the tape yet or asked too long ago. */
    private void restage() {
        if (launcher.busy()) {
            return;
        }
        long batch = store.inTransaction(c -> {
            long b;
            try (PreparedStatement ps = c.prepareStatement("SELECT nextval('staging.batch_seq')");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                b = rs.getLong(1);
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE staging.file f SET batch = ?, asked_at = now(), started_at = coalesce(started_at, now())
                    FROM staging.request r
                    WHERE r.id = f.request_id AND r.state = 'active' AND f.state = 'waiting' AND f.sunum IS NOT NULL
                      AND (f.asked_at IS NULL OR f.asked_at < now() - ?::interval)""")) {
                ps.setLong(1, b);
                ps.setString(2, settings.restageInterval().toMillis() + " milliseconds");
                return ps.executeUpdate() == 0 ? -1L : b;
            }
        });
        if (batch >= 0) {
            try {
                launcher.launch(batch);
                log.info("Staging: stage batch {} started", batch);
            } catch (RuntimeException e) {
                // refused before it began (no tape library, say): its files fail with the reason
                String why = "cannot stage: " + e.getMessage();
                log.warn("Staging: stage batch {} {}", batch, why);
                store.inTransaction(c -> {
                    try (PreparedStatement ps = c.prepareStatement("""
                            UPDATE staging.file SET state = 'error', reason = ?, finished_at = now()
                            WHERE batch = ? AND state = 'waiting'""")) {
                        ps.setString(1, why);
                        ps.setLong(2, batch);
                        return ps.executeUpdate();
                    }
                });
            }
        }
    }

    /** When the last callback was started (guarded by the delivery queue's lock while callbacks go out). */
    private Instant lastCallback = Instant.EPOCH;

    /**
     * Delivers the callbacks that are due: up to {@link StagingSettings#callbackConcurrency()} at once (a slow or
     * silent receiver holds up one of them, not every other caller), started in request order and no closer together
     * than {@link StagingSettings#callbackSpacing()} (MWA's rate limit, counted in callbacks started). Each due request
     * is taken by one delivery only, which records its outcome. Returns when every one has ended, so the monitor's lock
     * covers them all: no other process delivers the same callbacks meanwhile.
     */
    private void deliver() {
        Instant now = clock.instant();
        List<StagingRequest> due = store.requests(null, true, Integer.MAX_VALUE).stream()
                .filter(r -> r.state().equals("completed") && r.notifyUrl() != null
                        && (r.callbackNext() == null || !r.callbackNext().isAfter(now)))
                .sorted(Comparator.comparing(StagingRequest::id)).toList();
        if (due.isEmpty()) {
            return;
        }
        Queue<StagingRequest> queue = new ArrayDeque<>(due);
        int workers = Math.min(settings.callbackConcurrency(), due.size());
        List<Thread> threads = new ArrayList<>();
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        for (int i = 1; i < workers; i++) {
            Thread t = new Thread(() -> {
                try {
                    deliverFrom(queue);
                } catch (RuntimeException e) {
                    failure.compareAndSet(null, e);
                }
            }, "staging-callback-" + i);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        try {
            deliverFrom(queue);
        } finally {
            for (Thread t : threads) {
                joinOrStop(t);
            }
        }
        if (failure.get() != null) {
            throw failure.get();
        }
    }

    /** Waits for a delivery thread; when this thread is interrupted (shut down), interrupts it and still waits. */
    private static void joinOrStop(Thread t) {
        boolean interrupted = false;
        while (t.isAlive()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                interrupted = true;
                t.interrupt();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Takes the due requests one by one, each at its turn in the rate limit, and calls back for each. */
    private void deliverFrom(Queue<StagingRequest> queue) {
        while (!Thread.currentThread().isInterrupted()) {
            StagingRequest r;
            synchronized (queue) {
                r = queue.poll();
                if (r == null) {
                    return;
                }
                space();
            }
            deliver(r);
        }
    }

    /** Posts one request's result and records the attempt: notified on success, else due again after the retry. */
    private void deliver(StagingRequest r) {
        JobResult result = new JobResult(r.jobId() == null ? r.id() : r.jobId(), r.returnCode(),
                r.totalFiles(), r.readyFiles(), r.errorFiles(), r.comment());
        String error = callbacks.deliver(r.notifyUrl(), result);
        store.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE staging.request SET callback_attempts = callback_attempts + 1, callback_error = ?,
                           state = CASE WHEN ? THEN 'notified' ELSE state END,
                           notified_at = CASE WHEN ? THEN now() ELSE notified_at END,
                           callback_next = CASE WHEN ? THEN NULL ELSE now() + ?::interval END
                    WHERE id = ? AND state = 'completed'""")) {
                ps.setString(1, error);
                ps.setBoolean(2, error == null);
                ps.setBoolean(3, error == null);
                ps.setBoolean(4, error == null);
                ps.setString(5, settings.callbackRetry().toMillis() + " milliseconds");
                ps.setLong(6, r.id());
                return ps.executeUpdate();
            }
        });
        if (error != null) {
            log.warn("Staging request {}: callback to {} failed ({}), retried in {}", r.token(), r.notifyUrl(),
                    error, settings.callbackRetry());
        }
    }

    /**
     * Waits until the callback spacing has passed since the last callback was started (MWA's rate limit); the caller
     * holds the delivery queue's lock, so the waits of concurrent deliveries follow one another.
     */
    private void space() {
        Duration spacing = settings.callbackSpacing();
        long wait = Duration.between(clock.instant(), lastCallback.plus(spacing)).toMillis();
        if (wait > 0) {
            try {
                Thread.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        lastCallback = clock.instant();
    }

    // ---- failure reports ----

    /**
     * Keeps a failure report (MWA's {@code failed/<job_id>.txt}, A.9) in the database and, for an MWA request, as a
     * text file in {@code drms.staging.report-directory} (an existing file is never overwritten).
     */
    void report(StagingRequest r, JobResult result) {
        List<StagingFile> files = store.files(r.id());
        List<String> errors = files.stream().filter(f -> f.state().equals("error")).map(StagingFile::path).toList();
        List<String> notReady = files.stream().filter(f -> !f.state().equals("ready")
                && !f.state().equals("cancelled")).map(StagingFile::path).toList();
        StringBuilder sb = new StringBuilder();
        sb.append("Job failure report for job ").append(result.job_id()).append(": Out of a total of ")
                .append(result.total_files()).append(" files, ").append(errors.size()).append(" had errors and ")
                .append(notReady.size()).append(" failed to transfer.\n\n");
        sb.append("Files with errors:\n");
        errors.forEach(f -> sb.append("  ").append(f).append('\n'));
        sb.append("Files that failed to transfer:\n");
        notReady.forEach(f -> sb.append("  ").append(f).append('\n'));
        String text = sb.toString();
        Instant expires = clock.instant().plus(settings.reportExpiry());
        store.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO staging.report (request_id, job_id, expires, text) VALUES (?, ?, ?, ?)
                    ON CONFLICT (request_id) DO NOTHING""")) {
                ps.setLong(1, r.id());
                ps.setObject(2, r.jobId());
                ps.setObject(3, java.time.OffsetDateTime.ofInstant(expires, java.time.ZoneOffset.UTC));
                ps.setString(4, text);
                return ps.executeUpdate();
            }
        });
        if (r.jobId() != null && settings.reportDirectory() != null) {
            Path file = settings.reportDirectory().resolve(r.jobId() + ".txt");
            try {
                Files.createDirectories(settings.reportDirectory());
                Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                log.info("Staging: failure report {} exists already, kept", file.getFileName());
            } catch (IOException e) {
                log.warn("Staging: cannot write failure report {}: {}", file.getFileName(), e.getMessage());
            }
        }
    }

    /** A kept failure report of an MWA job id, newest first: its text and when it was made. */
    public record Report(long requestId, Long jobId, Instant created, Instant expires, String text) {
    }

    /** The failure reports not yet expired, newest first. */
    public List<Report> reports() {
        return store.inTransaction(c -> {
            List<Report> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT request_id, job_id, created, expires, text FROM staging.report WHERE expires > now()
                    ORDER BY created DESC, request_id DESC""");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Report(rs.getLong(1), (Long) rs.getObject(2), StagingStore.instant(rs, "created"),
                            StagingStore.instant(rs, "expires"), rs.getString(5)));
                }
            }
            return out;
        });
    }

    /**
     * Removes expired reports: rows, and report files older than the expiry beyond the newest 100 (MWA's rule).
     * Returns how many rows and files were removed.
     */
    private int cleanReports() {
        int removed = store.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM staging.report WHERE expires <= now()")) {
                return ps.executeUpdate();
            }
        });
        Path dir = settings.reportDirectory();
        if (dir == null || !Files.isDirectory(dir)) {
            return removed;
        }
        Function<Path, Instant> mtime = p -> {
            try {
                return Files.getLastModifiedTime(p).toInstant();
            } catch (IOException e) {
                return Instant.EPOCH;
            }
        };
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> reports = s.filter(p -> p.getFileName().toString().endsWith(".txt"))
                    .sorted(Comparator.comparing(mtime).reversed()).toList();
            Instant limit = clock.instant().minus(settings.reportExpiry());
            for (Path p : reports.subList(Math.min(100, reports.size()), reports.size())) {
                if (mtime.apply(p).isBefore(limit) && Files.deleteIfExists(p)) {
                    removed++;
                }
            }
        } catch (IOException e) {
            log.warn("Staging: cannot clean failure reports: {}", e.getMessage());
        }
        return removed;
    }

    // ---- what the MWA face shows (get_stats, filestatus) ----

    /**
     * The monitor's pulse in this process (MWA's kafkad heartbeat row): when its last turn ended (null: none yet),
     * whether it is alive (a turn is under way, or the last one ended within three check intervals), and how many
     * turns it made.
     */
    public record Heartbeat(Instant lastTurn, boolean alive, long turns) {
    }

    public Heartbeat heartbeat() {
        Instant started = turnStarted;
        Instant ended = lastTurn;
        boolean turning = started != null && (ended == null || started.isAfter(ended));
        boolean recent = ended != null
                && ended.isAfter(clock.instant().minus(settings.checkInterval().multipliedBy(3)));
        return new Heartbeat(ended, turning || recent, turns);
    }

    /**
     * The disk cache in front of the tape, in the terms of MWA's Scout cache state ({@code /v1/fscache}):
     * {@code availableBytes} and {@code totalBytes} of the file systems holding the SUMS partitions (each file
     * system counted once), the bytes of online storage units the scrub may take off disk ({@code releasableBytes}:
     * archived and not pinned) and of those it may not ({@code nonReleasableBytes}), and a health of 1 "ok" or 3 with
     * the partitions that cannot be read.
     */
    public record DiskCache(long availableBytes, long totalBytes, long releasableBytes, long nonReleasableBytes,
                            int health, String healthStatus) {
    }

    public DiskCache diskCache() {
        long available = 0;
        long total = 0;
        Set<FileStore> seen = new HashSet<>();
        List<String> unreadable = new ArrayList<>();
        for (Path p : store.sums().partitions()) {
            try {
                if (!Files.isDirectory(p) || !Files.isReadable(p)) {
                    unreadable.add(String.valueOf(p.getFileName()));
                    continue;
                }
                FileStore fs = Files.getFileStore(p);
                if (seen.add(fs)) {
                    available += fs.getUsableSpace();
                    total += fs.getTotalSpace();
                }
            } catch (IOException e) {
                unreadable.add(String.valueOf(p.getFileName()));
            }
        }
        StagingStore.OnlineBytes online = store.onlineBytes();
        return new DiskCache(available, total, online.releasable(), online.nonReleasable(),
                unreadable.isEmpty() ? 1 : 3,
                unreadable.isEmpty() ? "ok" : "partitions not readable: " + String.join(", ", unreadable));
    }

    /**
     * Whether each file is on disk now (MWA's filestatus, where Scout says no block is offline): its path names a
     * storage unit ({@link #unitOf}) that is online, and what follows the unit's component in the path is a regular
     * file inside the unit's directory (nothing following: the unit itself). A path naming no unit, an unknown or
     * offline one, or a file the unit lacks is false. Answered for the paths as given, in their order.
     */
    public Map<String, Boolean> onDisk(Collection<String> paths) {
        Map<String, String> clean = new LinkedHashMap<>();
        Set<Long> units = new LinkedHashSet<>();
        for (String p : paths) {
            String s;
            try {
                s = sanitise(p);
            } catch (StagingException e) {
                continue;
            }
            Long sunum = unitOf(s);
            if (sunum != null) {
                clean.put(p, s);
                units.add(sunum);
            }
        }
        Map<Long, Sums.Info> info = units.isEmpty() ? Map.of()
                : store.inTransaction(c -> store.sums().get(c, List.copyOf(units), false, 0));
        Map<String, Boolean> out = new LinkedHashMap<>();
        for (String p : paths) {
            String s = clean.get(p);
            Sums.Info i = s == null ? null : info.get(unitOf(s));
            out.put(p, i != null && i.online() && i.path() != null && inUnit(i.path(), s));
        }
        return out;
    }

    /** Whether the part of {@code path} after its last unit component is a regular file inside {@code unitDir}. */
    private static boolean inUnit(Path unitDir, String path) {
        String[] parts = path.split("/");
        int last = -1;
        for (int k = 0; k < parts.length; k++) {
            if (UNIT.matcher(parts[k]).matches()) {
                last = k;
            }
        }
        List<String> rest = new ArrayList<>();
        for (int k = last + 1; k < parts.length; k++) {
            if (parts[k].equals("..")) {
                return false;
            }
            if (!parts[k].isEmpty() && !parts[k].equals(".")) {
                rest.add(parts[k]);
            }
        }
        try {
            Path dir = unitDir.toRealPath();
            if (rest.isEmpty()) {
                return Files.isDirectory(dir);
            }
            Path real = dir.resolve(String.join("/", rest)).toRealPath();
            return real.startsWith(dir) && Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | InvalidPathException | SecurityException e) {
            return false;
        }
    }
}
