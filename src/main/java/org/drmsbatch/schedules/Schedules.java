package org.drmsbatch.schedules;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TimeZone;
import java.util.TreeMap;
import java.util.TreeSet;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.drmsbatch.jobs.ParsedParameters;
import org.drmsbatch.schedules.JobRequestException.Reason;
import org.quartz.CronScheduleBuilder;
import org.quartz.CronTrigger;
import org.quartz.JobBuilder;
import org.quartz.JobDataMap;
import org.quartz.JobDetail;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;
import org.quartz.impl.matchers.GroupMatcher;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The schedules ({@code drms.schedules.<name>}, see {@link Schedule}) in Quartz's clustered JDBC job store, and what
 * their fires do. {@code drms serve} syncs the definitions into the store at start ({@link #sync}) and runs the
 * scheduler; the command line only reads, pauses and resumes.
 *
 * <p>A fire ({@link #fire}) launches the schedule's job through {@link JobControl} and records a row in
 * {@code schedule_fire}: launched, skipped (the execution the schedule launched last still runs) or failed-to-launch.
 * With {@code restart: true}, a fire whose schedule's last execution FAILED (or was left running by a process that
 * died) restarts that execution, which resumes after its last committed chunk.
 */
public class Schedules {

    private static final Log log = LogFactory.getLog(Schedules.class);

    /** The Quartz group of every schedule's job and trigger. */
    static final String GROUP = "drms";
    /** The key of this object in the scheduler's context, for {@link ScheduleFireJob}. */
    static final String CONTEXT_KEY = "drms.schedules";
    static final DateTimeFormatter FIRE_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final String PARAM = "param.";

    private final Scheduler scheduler;
    private final JobControl control;
    private final JdbcTemplate jdbc;
    private final Map<String, Schedule> definitions;

    public Schedules(Scheduler scheduler, JobControl control, JdbcTemplate jdbc, Environment environment)
            throws SchedulerException {
        this.scheduler = scheduler;
        this.control = control;
        this.jdbc = jdbc;
        this.definitions = definitions(environment);
        scheduler.getContext().put(CONTEXT_KEY, this);
    }

    static Map<String, Schedule> definitions(Environment environment) {
        Map<String, Schedule.Definition> bound = Binder.get(environment)
                .bind("drms.schedules", Bindable.mapOf(String.class, Schedule.Definition.class))
                .orElse(Map.of());
        Map<String, Schedule> schedules = new TreeMap<>();
        bound.forEach((name, d) -> schedules.put(name, Schedule.of(name, d)));
        return schedules;
    }

    /** The schedules defined in the configuration, by name (enabled or not). */
    public Map<String, Schedule> definitions() {
        return definitions;
    }

    /**
     * Makes the scheduler's store match the definitions: an enabled schedule missing is added, a changed one replaced
     * (a paused one stays paused), one removed or disabled deleted. An unchanged one is left as it is, with its next
     * fire time: a fire missed while no scheduler ran is then handled as its misfire setting says. An enabled
     * schedule of a job that does not exist is refused.
     */
    public synchronized void sync() throws SchedulerException {
        for (Schedule s : definitions.values()) {
            if (s.enabled()) {
                control.job(s.job()); // refuses an unknown job, naming the jobs there are
            }
        }
        Set<JobKey> stored = scheduler.getJobKeys(GroupMatcher.jobGroupEquals(GROUP));
        for (JobKey key : stored) {
            Schedule s = definitions.get(key.getName());
            if (s == null || !s.enabled()) {
                scheduler.deleteJob(key);
                log.info("Schedule " + key.getName() + " removed from the scheduler ("
                        + (s == null ? "no longer defined" : "disabled") + ")");
            }
        }
        for (Schedule s : definitions.values()) {
            if (!s.enabled()) {
                continue;
            }
            JobKey key = new JobKey(s.name(), GROUP);
            JobDetail existing = scheduler.getJobDetail(key);
            if (existing != null && s.fingerprint().equals(existing.getJobDataMap().getString("fingerprint"))
                    && scheduler.getTrigger(triggerKey(s.name())) != null) {
                continue;
            }
            boolean paused = existing != null
                    && scheduler.getTriggerState(triggerKey(s.name())) == Trigger.TriggerState.PAUSED;
            Trigger old = scheduler.getTrigger(triggerKey(s.name()));
            scheduler.scheduleJob(jobDetail(s), Set.of(trigger(s, old == null ? null : old.getPreviousFireTime())),
                    true);
            if (paused) {
                scheduler.pauseJob(key);
            }
            log.info("Schedule " + s.name() + (existing == null ? " added" : " changed") + ": " + s.cron() + " ("
                    + s.timeZone().getId() + ") runs job " + s.job());
        }
    }

    private static TriggerKey triggerKey(String name) {
        return new TriggerKey(name, GROUP);
    }

    private static JobDetail jobDetail(Schedule s) {
        JobDataMap data = new JobDataMap();
        data.put("fingerprint", s.fingerprint());
        data.put("job", s.job());
        data.put("restart", Boolean.toString(s.restart()));
        s.parameters().forEach((k, v) -> data.put(PARAM + k, v));
        return JobBuilder.newJob(ScheduleFireJob.class).withIdentity(s.name(), GROUP)
                .withDescription("drms.schedules." + s.name()).usingJobData(data).storeDurably().build();
    }

    /**
     * The schedule's trigger. {@code lastFired}: the last fire time of the trigger it replaces, or null. A cron
     * trigger's first fire is the first cron time after its start time less one second (so that a start exactly on a
     * cron time fires it): a trigger replaced within a second after a fire, started now, would fire that fire time
     * again. It starts a second after the last fire time when that is later than now.
     */
    private static CronTrigger trigger(Schedule s, Date lastFired) {
        CronScheduleBuilder cron = CronScheduleBuilder.cronSchedule(s.cron()).inTimeZone(TimeZone.getTimeZone(s.timeZone()));
        cron = s.misfire() == Schedule.Misfire.RUN_ONCE ? cron.withMisfireHandlingInstructionFireAndProceed()
                : cron.withMisfireHandlingInstructionDoNothing();
        TriggerBuilder<CronTrigger> trigger = TriggerBuilder.newTrigger().withIdentity(triggerKey(s.name()))
                .forJob(s.name(), GROUP).withSchedule(cron);
        Date now = new Date();
        if (lastFired != null && lastFired.getTime() + 1000 > now.getTime()) {
            trigger.startAt(new Date(lastFired.getTime() + 1000));
        } else {
            trigger.startAt(now);
        }
        return trigger.build();
    }

    /** One fire as recorded in {@code schedule_fire}. */
    public record Fire(long id, String schedule, Instant fireTime, Instant firedAt, String outcome, Long executionId,
            String reason, String instance) {
    }

    /**
     * What {@code drms schedules} and {@code GET /api/schedules} show of a schedule.
     *
     * @param state the trigger's state in the scheduler (NORMAL, PAUSED, BLOCKED, ...), or NONE when the schedule is
     *        not in the scheduler (disabled, or not synced yet by a {@code drms serve})
     * @param nextFire the next fire time, null when none
     * @param lastFire the last fire, null when none
     * @param lastRunStatus the status of the execution the last fire launched (or of the one it skipped for)
     */
    public record View(String name, String cron, String timeZone, String job, Map<String, String> parameters,
            String misfire, boolean restart, boolean enabled, String state, Instant nextFire, Fire lastFire,
            String lastRunStatus) {
    }

    /** The schedules, defined or in the scheduler, by name. */
    public List<View> list() throws SchedulerException {
        Set<String> names = new TreeSet<>(definitions.keySet());
        scheduler.getJobKeys(GroupMatcher.jobGroupEquals(GROUP)).forEach(k -> names.add(k.getName()));
        List<View> views = new ArrayList<>();
        for (String name : names) {
            views.add(view(name));
        }
        return views;
    }

    /** One schedule, defined or in the scheduler. */
    public View view(String name) throws SchedulerException {
        Schedule s = definitions.get(name);
        JobDetail detail = scheduler.getJobDetail(new JobKey(name, GROUP));
        if (s == null && detail == null) {
            throw notFound(name);
        }
        Trigger trigger = scheduler.getTrigger(triggerKey(name));
        String state = trigger == null ? "NONE" : scheduler.getTriggerState(triggerKey(name)).name();
        Instant next = trigger == null || trigger.getNextFireTime() == null ? null : trigger.getNextFireTime().toInstant();
        Fire last = lastFire(name).orElse(null);
        String status = null;
        if (last != null && last.executionId() != null) {
            try {
                status = control.view(last.executionId()).status();
            } catch (JobRequestException e) {
                status = "UNKNOWN";
            }
        }
        if (s == null) { // in the scheduler, no longer defined here
            String cron = trigger instanceof CronTrigger c ? c.getCronExpression() : null;
            String zone = trigger instanceof CronTrigger c ? c.getTimeZone().getID() : null;
            Map<String, String> params = parameters(detail.getJobDataMap());
            return new View(name, cron, zone, detail.getJobDataMap().getString("job"), params, null,
                    Boolean.parseBoolean(detail.getJobDataMap().getString("restart")), false, state, next, last,
                    status);
        }
        return new View(name, s.cron(), s.timeZone().getId(), s.job(), s.parameters(), s.misfire().text(),
                s.restart(), s.enabled(), state, next, last, status);
    }

    private JobRequestException notFound(String name) {
        return new JobRequestException(Reason.NOT_FOUND, "no schedule named '" + name + "' (schedules: "
                + String.join(", ", definitions.keySet()) + ")");
    }

    /** Pauses the schedule: no fire until it is resumed (in every scheduler of the cluster; kept across restarts). */
    public View pause(String name) throws SchedulerException {
        JobKey key = inScheduler(name);
        scheduler.pauseJob(key);
        return view(name);
    }

    /** Resumes a paused schedule; a fire missed meanwhile is handled as its misfire setting says. */
    public View resume(String name) throws SchedulerException {
        JobKey key = inScheduler(name);
        scheduler.resumeJob(key);
        return view(name);
    }

    private JobKey inScheduler(String name) throws SchedulerException {
        JobKey key = new JobKey(name, GROUP);
        if (!scheduler.checkExists(key)) {
            if (definitions.containsKey(name)) {
                throw new JobRequestException(Reason.CONFLICT, "schedule '" + name + "' is not in the scheduler ("
                        + (definitions.get(name).enabled() ? "no drms serve has synced it yet" : "it is disabled")
                        + ")");
            }
            throw notFound(name);
        }
        return key;
    }

    /** The last fires of a schedule, newest first. */
    public List<Fire> fires(String name, int limit) {
        return jdbc.query("SELECT id, schedule, fire_time, fired_at, outcome, execution_id, reason, instance"
                + " FROM schedule_fire WHERE schedule = ? ORDER BY id DESC LIMIT ?", (rs, i) -> new Fire(
                        rs.getLong(1), rs.getString(2), rs.getTimestamp(3).toInstant(), rs.getTimestamp(4).toInstant(),
                        rs.getString(5), (Long) rs.getObject(6), rs.getString(7), rs.getString(8)), name, limit);
    }

    /**
     * The fire of this fire time, when one of the schedule's last fires had it: a trigger replaced (by the sync of a
     * {@code drms serve} starting with a changed definition) at the moment another scheduler of the cluster fired it
     * may fire a fire time again. The fires of a schedule run one at a time in the whole cluster, so this check and
     * the record that follows it meet no other fire of the schedule.
     */
    private Optional<Fire> firedAlready(String name, Instant fireTime) {
        return fires(name, 10).stream().filter(f -> f.fireTime().equals(fireTime)).findFirst();
    }

    private Optional<Fire> lastFire(String name) {
        return fires(name, 1).stream().findFirst();
    }

    private Optional<Long> lastExecution(String name) {
        return jdbc.queryForList("SELECT execution_id FROM schedule_fire WHERE schedule = ? AND execution_id IS NOT"
                + " NULL ORDER BY id DESC LIMIT 1", Long.class, name).stream().findFirst();
    }

    private static Map<String, String> parameters(JobDataMap data) {
        Map<String, String> params = new TreeMap<>();
        for (String key : data.getKeys()) {
            if (key.startsWith(PARAM)) {
                params.put(key.substring(PARAM.length()), data.getString(key));
            }
        }
        return params;
    }

    /**
     * One fire of a schedule (called by {@link ScheduleFireJob}; Quartz runs one fire of a schedule at a time in the
     * whole cluster). Never throws: what happened is recorded.
     */
    Fire fire(String name, Date scheduledFireTime, JobDataMap data, String instance) {
        Instant fireTime = scheduledFireTime.toInstant();
        String job = data.getString("job");
        boolean restart = Boolean.parseBoolean(data.getString("restart"));
        try {
            Optional<Fire> done = firedAlready(name, fireTime);
            if (done.isPresent()) {
                log.warn("Schedule " + name + ": the fire time " + fireTime + " was fired already (by "
                        + done.get().instance() + ", " + done.get().outcome() + "): not fired again");
                return done.get();
            }
            Optional<Long> last = lastExecution(name);
            JobRun run0 = last.map(this::viewIfKept).orElse(null);
            if (run0 != null) {
                long id = run0.executionId();
                JobRun run = run0;
                boolean dead = !run.ended() && control.isDead(id);
                if (!run.ended() && !dead) {
                    return record(name, fireTime, "skipped", id, "execution " + id + " of job '" + run.job()
                            + "', launched by this schedule, is still running (" + run.status() + ")", instance);
                }
                if (restart && (run.status().equals("FAILED") || dead)) {
                    JobRun restarted = control.restart(id, Map.of());
                    return record(name, fireTime, "launched", restarted.executionId(), "restarted execution " + id
                            + (dead ? " (left running by a process that died)" : " (FAILED)"), instance);
                }
            }
            JobRun run = control.start(job, jobParameters(name, job, parameters(data), fireTime));
            return record(name, fireTime, "launched", run.executionId(), null, instance);
        } catch (RuntimeException e) {
            log.warn("Schedule " + name + ": the fire of " + fireTime + " launched nothing: " + e.getMessage());
            return record(name, fireTime, "failed-to-launch", null, String.valueOf(e.getMessage()), instance);
        }
    }

    /** The execution, or null when the job repository no longer has it (its tables were cleaned). */
    private JobRun viewIfKept(long executionId) {
        try {
            return control.view(executionId);
        } catch (JobRequestException e) {
            if (e.reason() == Reason.NOT_FOUND) {
                return null;
            }
            throw e;
        }
    }

    /**
     * The parameters of a fire: {@code {fireTime}} in a value replaced by the fire time; a job that takes a
     * {@code run} parameter and is not given one gets {@code <schedule>-<fire time>}, so the fires of one fire time
     * are one job instance.
     */
    Map<String, String> jobParameters(String name, String job, Map<String, String> parameters, Instant fireTime) {
        String time = FIRE_TIME.format(fireTime);
        Map<String, String> params = new LinkedHashMap<>();
        parameters.forEach((k, v) -> params.put(k, v.replace("{fireTime}", time)));
        if (!params.containsKey(JobControl.RUN) && control.job(job).getJobParametersValidator()
                instanceof ParsedParameters<?> parsed && parsed.takes(JobControl.RUN)) {
            params.put(JobControl.RUN, name + "-" + time);
        }
        return params;
    }

    private Fire record(String name, Instant fireTime, String outcome, Long executionId, String reason,
            String instance) {
        Long id = jdbc.queryForObject("INSERT INTO schedule_fire (schedule, fire_time, outcome, execution_id, reason,"
                + " instance) VALUES (?, ?, ?, ?, ?, ?) RETURNING id", Long.class, name, Timestamp.from(fireTime),
                outcome, executionId, reason, instance);
        log.info("Schedule " + name + " fire " + fireTime + ": " + outcome
                + (executionId == null ? "" : " execution " + executionId) + (reason == null ? "" : ": " + reason));
        return new Fire(id, name, fireTime, Instant.now(), outcome, executionId, reason, instance);
    }
}
