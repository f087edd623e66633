package org.drmsbatch.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.drmsbatch.ChildJvm;
import org.drmsbatch.TestDatabase;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * What the job kill tests share: a database and a home directory for the test class's context and the child JVMs it
 * starts; a job run in a child JVM until it reaches a chosen point, then killed for real ({@code destroyForcibly}:
 * SIGKILL, no shutdown hook, nothing rolled back by the JVM); the restart of the execution it left behind; and the
 * sweep of the dead process's storage units.
 *
 * <p>A child is a main class of the test classpath (e.g. one that calls {@link JobChild}) whose first arguments are
 * {@code jdbc-url user home}. It prints {@code EXECUTION <id>} once it has launched its job, then a line starting
 * with the mark the test waits for ({@link #COMMITTED}, {@code AT <step>}, ...) when it is where the test kills it,
 * or {@code ENDED <status>} if its job ended first.
 *
 * <pre>{@code
 * static final KillHarness HARNESS = KillHarness.create("drms-collect-kill-test");
 * @DynamicPropertySource static void database(DynamicPropertyRegistry r) { HARNESS.register(r); }
 *
 * long killed = HARNESS.killAt(KillHarness.COMMITTED, CollectJobChild.class, ...);
 * JobRun done = KillHarness.restart(jobs, killed, Map.of("delay", "0"));
 * assertThat(KillHarness.orphansAfterSweep(drms, jdbc)).isEmpty();
 * }</pre>
 */
public final class KillHarness {

    /** The mark of {@link JobChild}: the job has committed the chunks asked for. */
    public static final String COMMITTED = "COMMITTED ";

    /** How long a child has to reach the point where it is killed. */
    static final Duration TO_KILL_POINT = Duration.ofSeconds(90);
    /** How long the restarted execution has to end. */
    static final int RESTART_SECONDS = 120;
    /** How long the sweep has to find the dead process's sessions dead. */
    static final Duration SWEEP = Duration.ofSeconds(30);

    private static final AtomicInteger CHILDREN = new AtomicInteger();

    private final String prefix;
    /** Made on first use: a child JVM that only initialises the test class (to call a helper of it) makes none. */
    private String url;
    private Path home;

    private KillHarness(String prefix) {
        this.prefix = prefix;
    }

    /**
     * A fresh database and a fresh home directory (named from {@code prefix}) for one test class, made when first
     * used. A child JVM that calls a static helper of the test class initialises its {@code HARNESS} too: made at
     * once, that started an embedded test PostgreSQL in the child, which the kill then left running.
     */
    public static KillHarness create(String prefix) {
        return new KillHarness(prefix);
    }

    private synchronized void make() {
        if (url == null) {
            url = TestDatabase.newDatabase();
            home = JobTests.newHome(prefix);
        }
    }

    /** Points the test class's context at this database and home ({@code @DynamicPropertySource}). */
    public void register(DynamicPropertyRegistry registry) {
        TestDatabase.register(registry, url(), home());
    }

    public Path home() {
        make();
        return home;
    }

    /** The database's JDBC URL (for child processes). */
    public String url() {
        make();
        return url;
    }

    /**
     * Starts {@code child} with {@code jdbc-url user home args...}, waits until it prints a line starting with
     * {@code mark}, kills it (SIGKILL) and waits for it to be gone. Fails, showing the child's standard error, when
     * the child does not get there in {@link #TO_KILL_POINT} (or its output ends, or its job ends first).
     *
     * @return the id of the execution the killed child left behind
     */
    public long killAt(String mark, Class<?> child, String... args) throws Exception {
        Path stderr = home().resolve("child-" + child.getSimpleName() + "-" + CHILDREN.incrementAndGet() + ".err");
        List<String> all = new ArrayList<>(List.of(url(), TestDatabase.user(), home().toString()));
        all.addAll(List.of(args));
        ChildJvm jvm = ChildJvm.start(child, stderr, all.toArray(String[]::new));
        long id = -1;
        try {
            long deadline = System.nanoTime() + TO_KILL_POINT.toNanos();
            for (String line = ""; !line.startsWith(mark); ) {
                line = jvm.lines().poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                assertThat(line).as("%s's output before %s'%s' (stderr: %s)", child.getSimpleName(),
                                line == null ? "the deadline, waiting for " : "", mark, read(stderr))
                        .isNotNull().isNotEqualTo(ChildJvm.EOF).doesNotStartWith("ENDED");
                if (line.startsWith("EXECUTION ")) {
                    id = Long.parseLong(line.substring("EXECUTION ".length()).trim());
                }
            }
        } finally {
            jvm.process().destroyForcibly(); // SIGKILL: the execution stays STARTED, a chunk is left half done
            assertThat(jvm.process().waitFor(30, TimeUnit.SECONDS)).as("the killed child is gone").isTrue();
        }
        assertThat(id).as("the child printed its execution id").isPositive();
        return id;
    }

    /**
     * Restarts the killed execution {@code id} (the dead execution is recovered first) with {@code parameters}
     * replacing its own, and returns the new execution once it and its steps have ended.
     */
    public static JobRun restart(JobControl jobs, long id, Map<String, String> parameters)
            throws InterruptedException {
        return JobTests.awaitEnd(jobs, jobs.restart(id, parameters).executionId(), RESTART_SECONDS);
    }

    /**
     * Sweeps (as at the next start-up) until no storage-unit directory is left without its sum_main row, or
     * {@link #SWEEP} has passed, and returns the directories still left. The sweep only takes the units of sessions
     * whose transaction has ended (it can take their advisory lock), which for a killed process the server sees a
     * moment after the kill: nothing tells when, so this polls.
     */
    public static Set<String> orphansAfterSweep(Drms drms, JdbcTemplate jdbc) throws Exception {
        long deadline = System.nanoTime() + SWEEP.toNanos();
        while (true) {
            drms.sweep();
            Set<String> orphans = JobTests.orphanedUnits(drms, jdbc, false);
            if (orphans.isEmpty() || System.nanoTime() > deadline) {
                return orphans;
            }
            Thread.sleep(100);
        }
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "unreadable: " + e;
        }
    }
}
