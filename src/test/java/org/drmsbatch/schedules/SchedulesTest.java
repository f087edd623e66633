package org.drmsbatch.schedules;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import org.drmsbatch.DrmsApplication;
import org.drmsbatch.TestDatabase;
import org.drmsbatch.jobs.JobTests;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Schedules in Quartz's clustered JDBC store: each test starts one or two {@code drms serve} contexts (real servlet
 * servers on free ports) on a fresh database, with schedules of the test job {@code counting} firing every 1-2 s.
 */
class SchedulesTest {

    private static final String TOKEN = "test-token-0123456789";
    private final List<ConfigurableApplicationContext> contexts = new ArrayList<>();

    /** A {@code drms serve} on the database, with the schedules given as {@code drms.schedules.*} arguments. */
    private ConfigurableApplicationContext serve(String url, String home, String... schedules) {
        List<String> args = new ArrayList<>(List.of("--spring.datasource.url=" + url,
                "--spring.datasource.username=" + TestDatabase.user(),
                "--spring.datasource.hikari.minimum-idle=0", "--spring.datasource.hikari.idle-timeout=10000",
                "--drms.home=" + JobTests.newHome(home), "--drms.sweep-on-start=false",
                "--drms.test.counting-job=true", "--spring.main.web-application-type=servlet",
                "--server.address=127.0.0.1", "--server.port=0", "--drms.security.token=" + TOKEN,
                "--drms.scheduler.misfire-threshold=500ms", "--drms.scheduler.cluster-checkin-interval=1s",
                "--drms.jobs.shutdown-wait=5s"));
        for (String s : schedules) {
            args.add("--drms.schedules." + s);
        }
        ConfigurableApplicationContext context = new SpringApplicationBuilder(DrmsApplication.class)
                .web(WebApplicationType.SERVLET).logStartupInfo(false).run(args.toArray(String[]::new));
        contexts.add(context);
        return context;
    }

    @AfterEach
    void close() {
        for (ConfigurableApplicationContext c : contexts) {
            c.close();
        }
    }

    private static void await(Duration timeout, BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out after " + timeout + " waiting until " + what);
            }
            Thread.sleep(50);
        }
    }

    /** The database without a context: for before a context starts and after it closed. */
    private static JdbcTemplate direct(String url) {
        return new JdbcTemplate(new org.springframework.jdbc.datasource.SimpleDriverDataSource(
                new org.postgresql.Driver(), url, TestDatabase.user(), null));
    }

    private static JdbcTemplate jdbc(ConfigurableApplicationContext c) {
        return c.getBean(JdbcTemplate.class);
    }

    @Test
    void twoSchedulersOnOneDatabaseLaunchEachFireTimeOnce() throws Exception {
        String url = TestDatabase.newDatabase();
        String[] tick = {"tick.cron=* * * * * ?", "tick.time-zone=UTC", "tick.job=counting",
                "tick.parameters.key=tick-{fireTime}", "tick.parameters.items=1"};
        ConfigurableApplicationContext a = serve(url, "sched-a", tick);
        ConfigurableApplicationContext b = serve(url, "sched-b", tick);
        assertThat(a.getBean(org.quartz.Scheduler.class).isStarted()).isTrue();
        assertThat(b.getBean(org.quartz.Scheduler.class).isStarted()).isTrue();
        String bInstance = b.getBean(org.quartz.Scheduler.class).getSchedulerInstanceId();
        JdbcTemplate jdbc = direct(url);
        await(Duration.ofSeconds(20), () -> jdbc.queryForObject(
                "SELECT count(DISTINCT fire_time) FROM schedule_fire WHERE schedule = 'tick'", Integer.class) >= 4,
                "four fire times are recorded");
        a.close(); // b goes on alone
        await(Duration.ofSeconds(20), () -> jdbc.queryForObject("SELECT count(*) FROM schedule_fire WHERE schedule"
                + " = 'tick' AND instance = ? AND fired_at > now() - interval '500 milliseconds'", Integer.class,
                bInstance) >= 1, "b fires after a closed");
        await(Duration.ofSeconds(20), () -> jdbc.queryForObject(
                "SELECT count(DISTINCT fire_time) FROM schedule_fire WHERE schedule = 'tick'", Integer.class) >= 7,
                "seven fire times are recorded");
        b.close();
        List<Map<String, Object>> doubled = jdbc.queryForList("SELECT fire_time, count(*) FROM schedule_fire"
                + " WHERE schedule = 'tick' GROUP BY fire_time HAVING count(*) > 1");
        assertThat(doubled).as("fire times fired more than once").isEmpty();
        Integer launched = jdbc.queryForObject("SELECT count(*) FROM schedule_fire WHERE schedule = 'tick'"
                + " AND outcome = 'launched'", Integer.class);
        Integer executions = jdbc.queryForObject("SELECT count(DISTINCT execution_id) FROM schedule_fire"
                + " WHERE schedule = 'tick' AND outcome = 'launched'", Integer.class);
        assertThat(launched).isGreaterThanOrEqualTo(3).isEqualTo(executions);
    }

    @Test
    void aScheduleChangedJustAfterAFireDoesNotFireThatSecondAgain() throws Exception {
        String url = TestDatabase.newDatabase();
        ConfigurableApplicationContext a = serve(url, "sched-change", "tick.cron=* * * * * ?", "tick.time-zone=UTC",
                "tick.job=counting", "tick.parameters.key=tick-{fireTime}", "tick.parameters.items=1");
        JdbcTemplate jdbc = direct(url);
        await(Duration.ofSeconds(20), () -> jdbc.queryForObject(
                "SELECT count(*) FROM schedule_fire WHERE schedule = 'tick'", Integer.class) >= 2,
                "two fires are recorded");
        // the sync of a drms serve starting with a changed definition (items), just after a fire: it replaces the
        // trigger, whose next fire must still be the next second, not the one just fired
        StandardEnvironment changed = new StandardEnvironment();
        changed.getPropertySources().addFirst(new MapPropertySource("changed", Map.of(
                "drms.schedules.tick.cron", "* * * * * ?", "drms.schedules.tick.time-zone", "UTC",
                "drms.schedules.tick.job", "counting", "drms.schedules.tick.parameters.key", "tick-{fireTime}",
                "drms.schedules.tick.parameters.items", "2")));
        Schedules other = new Schedules(a.getBean(org.quartz.Scheduler.class), a.getBean(JobControl.class), jdbc(a),
                changed);
        int before = jdbc.queryForObject("SELECT count(*) FROM schedule_fire WHERE schedule = 'tick'", Integer.class);
        await(Duration.ofSeconds(5), () -> jdbc.queryForObject(
                "SELECT count(*) FROM schedule_fire WHERE schedule = 'tick'", Integer.class) > before, "a fire");
        other.sync();
        Instant changedAt = Instant.now();
        await(Duration.ofSeconds(20), () -> jdbc.queryForObject(
                "SELECT count(*) FROM schedule_fire WHERE schedule = 'tick' AND fired_at > ?", Integer.class,
                java.sql.Timestamp.from(changedAt)) >= 3, "three fires after the change");
        List<Map<String, Object>> doubled = jdbc.queryForList("SELECT date_trunc('second', fire_time), count(*),"
                + " string_agg(fire_time::text, ', ') FROM schedule_fire WHERE schedule = 'tick'"
                + " GROUP BY 1 HAVING count(*) > 1");
        assertThat(doubled).as("seconds of the cron fired more than once (change synced at %s)", changedAt)
                .isEmpty();
        // a fire of a fire time fired already (should Quartz hand one over again) launches and records nothing
        Schedules.Fire last = other.fires("tick", 1).get(0);
        int fires = jdbc.queryForObject("SELECT count(*) FROM schedule_fire", Integer.class);
        int executions = jdbc.queryForObject("SELECT count(*) FROM batch_job_execution", Integer.class);
        org.quartz.JobDataMap data = new org.quartz.JobDataMap(Map.of("job", "counting", "restart", "false",
                "param.key", "again-{fireTime}", "param.items", "1"));
        assertThat(other.fire("tick", java.util.Date.from(last.fireTime()), data, "test").id()).isEqualTo(last.id());
        assertThat(jdbc.queryForObject("SELECT count(*) FROM schedule_fire", Integer.class)).isEqualTo(fires);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM batch_job_execution", Integer.class))
                .isEqualTo(executions);
    }

    @Test
    void aFireWhileTheLastRunRunsIsSkippedWithTheReason() throws Exception {
        String url = TestDatabase.newDatabase();
        ConfigurableApplicationContext a = serve(url, "sched-overlap", "slow.cron=* * * * * ?", "slow.job=counting",
                "slow.parameters.key=slow-{fireTime}", "slow.parameters.items=20",
                "slow.parameters.delay=150,java.lang.Long,false");
        JdbcTemplate jdbc = jdbc(a);
        await(Duration.ofSeconds(20), () -> jdbc.queryForObject("SELECT count(*) FROM schedule_fire"
                + " WHERE schedule = 'slow' AND outcome = 'launched'", Integer.class) >= 2,
                "two runs were launched");
        List<Map<String, Object>> skipped = jdbc.queryForList("SELECT reason FROM schedule_fire"
                + " WHERE schedule = 'slow' AND outcome = 'skipped'");
        assertThat(skipped).isNotEmpty();
        assertThat((String) skipped.get(0).get("reason")).contains("is still running")
                .contains("launched by this schedule");
        // the runs did not overlap: each began after the one before it ended
        JobControl control = a.getBean(JobControl.class);
        List<Long> ids = jdbc.queryForList("SELECT execution_id FROM schedule_fire WHERE schedule = 'slow'"
                + " AND outcome = 'launched' ORDER BY id", Long.class);
        JobRun first = control.view(ids.get(0));
        JobRun second = control.view(ids.get(1));
        assertThat(first.endTime()).isNotNull();
        assertThat(second.createTime()).isAfterOrEqualTo(first.endTime());
        // GET /api/schedules shows it with its last fire; pausing needs the role operate
        int port = a.getEnvironment().getProperty("local.server.port", Integer.class);
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> list = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/api/schedules")).header("Authorization", "Bearer " + TOKEN).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(list.body()).contains("\"name\":\"slow\"").contains("\"job\":\"counting\"")
                .contains("\"nextFire\"");
        HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/api/schedules/slow/pause")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        HttpResponse<String> paused = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/api/schedules/slow/pause")).header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(paused.statusCode()).isEqualTo(200);
        assertThat(paused.body()).contains("\"state\":\"PAUSED\"");
        HttpResponse<String> unknown = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/api/schedules/nope/resume")).header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(unknown.statusCode()).isEqualTo(404);
        Schedules schedules = a.getBean(Schedules.class);
        assertThat(schedules.resume("slow").state()).isEqualTo("NORMAL");
    }

    @Test
    void restartTrueResumesTheFailedRunAfterItsLastCommittedChunk() throws Exception {
        String url = TestDatabase.newDatabase();
        serve(url, "sched-restart-migrate").close(); // the database migrated, then the blocking row put in
        JdbcTemplate setup = direct(url);
        setup.execute("CREATE TABLE counted (key text, item int, PRIMARY KEY (key, item))");
        setup.update("INSERT INTO counted VALUES ('rs', 25)"); // the chunk 21..30 fails on it
        ConfigurableApplicationContext a = serve(url, "sched-restart", "rs.cron=*/2 * * * * ?", "rs.job=counting",
                "rs.parameters.key=rs", "rs.parameters.items=50", "rs.restart=true");
        JdbcTemplate jdbc = jdbc(a);
        JobControl control = a.getBean(JobControl.class);
        await(Duration.ofSeconds(20), () -> jdbc.queryForList("SELECT execution_id FROM schedule_fire"
                + " WHERE schedule = 'rs' AND outcome = 'launched' ORDER BY id LIMIT 1", Long.class).stream()
                .anyMatch(id -> control.view(id).status().equals("FAILED")), "the first run failed");
        long first = jdbc.queryForObject("SELECT execution_id FROM schedule_fire WHERE schedule = 'rs'"
                + " AND outcome = 'launched' ORDER BY id LIMIT 1", Long.class);
        setup.update("DELETE FROM counted WHERE key = 'rs' AND item = 25");
        await(Duration.ofSeconds(20), () -> jdbc.queryForList("SELECT execution_id FROM schedule_fire"
                + " WHERE schedule = 'rs' AND outcome = 'launched' ORDER BY id DESC LIMIT 1", Long.class).stream()
                .anyMatch(id -> control.view(id).status().equals("COMPLETED")), "a restart completed");
        long last = jdbc.queryForObject("SELECT execution_id FROM schedule_fire WHERE schedule = 'rs'"
                + " AND outcome = 'launched' ORDER BY id DESC LIMIT 1", Long.class);
        JobRun restarted = control.view(last);
        assertThat(restarted.instanceId()).isEqualTo(control.view(first).instanceId());
        assertThat(restarted.steps().get(0).read()).as("items read by the restart").isEqualTo(30);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM counted WHERE key = 'rs'", Integer.class))
                .isEqualTo(50);
        assertThat(jdbc.queryForObject("SELECT reason FROM schedule_fire WHERE execution_id = ?", String.class,
                last)).startsWith("restarted execution ");
    }

    @Test
    void aFireMissedWhileNoSchedulerRanRunsOnceOnStartOrIsSkipped() throws Exception {
        String url = TestDatabase.newDatabase();
        // far enough ahead that a server starting on a loaded machine is up before it (4 s was not, under CI load)
        Instant at = Instant.now().plusSeconds(10);
        String cron = DateTimeFormatter.ofPattern("s m H d M '?' yyyy").withZone(ZoneOffset.UTC).format(at);
        String[] once = {"once.cron=" + cron, "once.time-zone=UTC", "once.job=counting",
                "once.parameters.key=once", "once.parameters.items=1", "once.misfire=run-once",
                "never.cron=" + cron, "never.time-zone=UTC", "never.job=counting",
                "never.parameters.key=never", "never.parameters.items=1", "never.misfire=skip"};
        ConfigurableApplicationContext a = serve(url, "sched-misfire-a", once);
        assertThat(a.getBean(Schedules.class).view("once").nextFire()).isEqualTo(at.truncatedTo(
                java.time.temporal.ChronoUnit.SECONDS));
        a.close(); // the scheduler is down at the fire time
        assertThat(at.plusSeconds(1)).isAfter(Instant.now()); // a started before the fire time
        while (Instant.now().isBefore(at.plusSeconds(2))) {
            Thread.sleep(100);
        }
        ConfigurableApplicationContext b = serve(url, "sched-misfire-b", once);
        Schedules schedules = b.getBean(Schedules.class);
        await(Duration.ofSeconds(15), () -> jdbc(b).queryForObject(
                "SELECT count(*) FROM schedule_fire WHERE schedule = 'once'", Integer.class) == 1,
                "the missed fire of 'once' ran");
        await(Duration.ofSeconds(15), () -> {
            try {
                return schedules.view("never").nextFire() == null && schedules.view("once").nextFire() == null;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "both triggers are done");
        assertThat(jdbc(b).queryForObject("SELECT outcome FROM schedule_fire WHERE schedule = 'once'",
                String.class)).isEqualTo("launched");
        assertThat(jdbc(b).queryForObject("SELECT count(*) FROM schedule_fire WHERE schedule IN ('once', 'never')",
                Integer.class)).as("fires of both").isEqualTo(1);
    }
}
