package org.drmsbatch.schedules;

import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.annotation.PreDestroy;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.drmsbatch.jobs.ParameterNames;
import org.drmsbatch.jobs.ParsedParameters;
import org.drmsbatch.schedules.JobRequestException.Reason;
import org.springframework.batch.core.converter.DefaultJobParametersConverter;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.InvalidJobParametersException;
import org.springframework.batch.core.job.parameters.JobParameter;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.launch.JobExecutionAlreadyRunningException;
import org.springframework.batch.core.launch.JobExecutionNotRunningException;
import org.springframework.batch.core.launch.JobInstanceAlreadyCompleteException;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.launch.JobRestartException;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.beans.factory.support.ScopeNotActiveException;
import org.springframework.boot.batch.autoconfigure.BatchTaskExecutor;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.stereotype.Component;

/**
 * The one place that starts jobs, for the command line, the REST API and schedules alike. Jobs are the
 * application's {@link Job} beans, by name; parameters are {@code name=value} text in Spring Batch's notation
 * ({@code value[,type[,identifying]]}, e.g. {@code runDate=2026-01-03,java.time.LocalDate} or
 * {@code requestId=r42,java.lang.String,false}). Jobs run asynchronously on the batch executor: every method
 * returns at once.
 *
 * <p>An execution left STARTED (or STARTING, STOPPING) by a process that died is <em>dead</em>: its owner (host
 * and pid recorded when it began, see {@link JobOwner}) is not alive on this host, or, for another host or an
 * execution that never began, nothing of it was updated for {@code drms.jobs.stale-after}. A dead execution is
 * recovered (marked FAILED through {@link JobOperator#recover}) by {@link #recover}, and automatically when it is
 * restarted or when its job is started again with the same identifying parameters.
 */
@Component
public class JobControl {

    private static final Log log = LogFactory.getLog(JobControl.class);

    private final ObjectProvider<Job> jobs;
    private final JobOperator operator;
    private final JobRepository repository;
    private final JdbcTemplate jdbc;
    private final JobOwnerListener owners;
    private final Duration staleAfter;
    private final Duration shutdownWait;
    private final ObjectProvider<ThreadPoolTaskExecutor> executor;
    private final InstanceLock instances;
    private final JobQueue queue;
    /** The executor's tasks of executions launched here, by execution id, until they end. */
    private final Map<Long, Runnable> queued = new ConcurrentHashMap<>();
    private static final DefaultJobParametersConverter CONVERTER = new DefaultJobParametersConverter();
    /** Executions started by this JVM, until they end. */
    private final Map<Long, JobExecution> local = new ConcurrentHashMap<>();

    public JobControl(ObjectProvider<Job> jobs, JobOperator operator, JobRepository repository, JdbcTemplate jdbc,
            JobOwnerListener owners, @Value("${drms.jobs.stale-after:10m}") Duration staleAfter,
            @Value("${drms.jobs.shutdown-wait:30s}") Duration shutdownWait,
            @BatchTaskExecutor ObjectProvider<ThreadPoolTaskExecutor> executor, JobQueue queue) {
        this.jobs = jobs;
        this.operator = operator;
        this.repository = repository;
        this.jdbc = jdbc;
        this.owners = owners;
        this.staleAfter = staleAfter;
        this.shutdownWait = shutdownWait;
        this.executor = executor;
        this.queue = queue;
        this.instances = new InstanceLock(jdbc.getDataSource());
    }

    /** The names of the jobs that can be started, sorted. */
    public List<String> jobNames() {
        return new ArrayList<>(jobsByName().keySet());
    }

    private Map<String, Job> jobsByName() {
        Map<String, Job> byName = new TreeMap<>();
        jobs.orderedStream().forEach(j -> byName.put(j.getName(), j));
        return byName;
    }

    /** The job of that name. */
    public Job job(String name) {
        Job job = jobsByName().get(name);
        if (job == null) {
            throw new JobRequestException(Reason.NOT_FOUND,
                    "no job named '" + name + "' (jobs: " + String.join(", ", jobNames()) + ")");
        }
        return job;
    }

    /** Parses {@code name=value} arguments (as typed on a command line) into a map. */
    public static Map<String, String> parseArguments(List<String> arguments) {
        Map<String, String> map = new LinkedHashMap<>();
        for (String a : arguments) {
            int eq = a.indexOf('=');
            if (eq <= 0) {
                throw new JobRequestException(Reason.INVALID,
                        "job parameter '" + a + "' is not name=value");
            }
            map.put(a.substring(0, eq), a.substring(eq + 1));
        }
        return map;
    }

    /**
     * Converts text parameters ({@code value[,type[,identifying]]}) to job parameters. A value with commas that is
     * not in that notation (a record-set query {@code hmi.M_45s[][1]{image,counts}}, {@code compress Rice 64,64})
     * is taken whole as an identifying String.
     */
    public static JobParameters parameters(Map<String, String> text) {
        Properties properties = new Properties();
        Map<String, String> whole = new LinkedHashMap<>();
        text.forEach((k, v) -> {
            if (k == null || k.isBlank()) {
                throw new JobRequestException(Reason.INVALID, "a job parameter has an empty name");
            }
            String value = v == null ? "" : v;
            if (value.indexOf(',') >= 0 && !typed(value) && !convertible(k, value)) {
                whole.put(k, value);
            } else {
                properties.setProperty(k, value);
            }
        });
        try {
            JobParameters converted = CONVERTER.getJobParameters(properties);
            if (whole.isEmpty()) {
                return converted;
            }
            Set<JobParameter<?>> all = new java.util.HashSet<>(converted.parameters());
            whole.forEach((k, v) -> all.add(new JobParameter<>(k, v, String.class, true)));
            return new JobParameters(all);
        } catch (RuntimeException e) {
            throw new JobRequestException(Reason.INVALID, "bad job parameters " + text + ": " + e.getMessage(), e);
        }
    }

    /** A class name such as {@code java.lang.Long}: the type of the notation {@code value,type[,identifying]}. */
    private static final java.util.regex.Pattern TYPE = java.util.regex.Pattern.compile(
            "\\s*[A-Za-z_$][\\w$]*(\\.[A-Za-z_$][\\w$]*)+\\s*");

    /**
     * Whether a value is written in the notation {@code value,type[,identifying]} (its second part names a class):
     * then a value the type cannot take is an error, not a String with commas.
     */
    private static boolean typed(String value) {
        String[] parts = value.split(",", -1);
        return (parts.length == 2 || parts.length == 3) && TYPE.matcher(parts[1]).matches()
                && (parts.length == 2 || parts[2].trim().matches("(?i)true|false")) && isClass(parts[1].trim());
    }

    /** Whether the name is a class: {@code java.lang.Long} is, a series {@code hmi.V_45s} in a query is not. */
    private static boolean isClass(String name) {
        try {
            Class.forName(name, false, JobControl.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private static boolean convertible(String name, String value) {
        Properties one = new Properties();
        one.setProperty(name, value);
        try {
            CONVERTER.getJobParameters(one);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Starts the job; returns the new execution (as stored: status STARTING or later). A job that takes a {@code run}
     * parameter and is launched without one gets a fresh value (see {@link #withRun}), shown in the execution's
     * parameters.
     */
    public JobRun start(String jobName, Map<String, String> parameters) {
        return view(launch(jobName, parameters).getId());
    }

    /**
     * Starts the job with parameters built by the caller: for values the text notation cannot carry (a record-set
     * query with commas, {@code hmi.m[1,2]{a,b}}, would be read as {@code value,type}).
     */
    public JobRun start(String jobName, JobParameters parameters) {
        Job job = job(jobName);
        JobParameters params = withRun(job, parameters);
        validate(job, params);
        return view(launch(job, params).getId());
    }

    /**
     * Starts the job with String parameters taken as they are: no {@code value,type[,identifying]} notation is read
     * in them, so a record-set query with commas ({@code hmi.m[1,2]{a,b}}) stays whole. The parameters named in
     * {@code identifying} identify the job instance; the others do not.
     */
    public JobRun startWithValues(String jobName, Map<String, String> values, Set<String> identifying) {
        Set<JobParameter<?>> parameters = new java.util.HashSet<>();
        values.forEach((name, value) -> parameters.add(
                new JobParameter<>(name, value, String.class, identifying.contains(name))));
        return start(jobName, new JobParameters(parameters));
    }

    /**
     * Starts the job and returns the live execution object the job runs on (its failure exceptions are there,
     * not in the repository). For callers in this JVM that wait for the end, such as {@code drms run}.
     */
    public JobExecution launch(String jobName, Map<String, String> parameters) {
        Job job = job(jobName);
        JobParameters params = withRun(job, parameters(parameters));
        validate(job, params);
        return launch(job, params);
    }

    /**
     * Starts the job with parameters built by the caller (see {@link #start(String, JobParameters)}) and returns the
     * live execution; for callers in this JVM that wait for the end, such as a pipeline's step.
     */
    public JobExecution launch(String jobName, JobParameters parameters) {
        Job job = job(jobName);
        JobParameters params = withRun(job, parameters);
        validate(job, params);
        return launch(job, params);
    }

    /** Whether the job {@code jobName} takes a parameter of that name (false when its validator does not say). */
    public boolean takes(String jobName, String parameter) {
        return job(jobName).getJobParametersValidator() instanceof ParsedParameters<?> parsed && parsed.takes(parameter);
    }

    /**
     * The parameter names the job {@code jobName} takes, required and optional; empty when its validator does not say
     * (a job without a {@link ParsedParameters} validator).
     */
    public Optional<ParameterNames> parameterNames(String jobName) {
        return job(jobName).getJobParametersValidator() instanceof ParsedParameters<?> parsed
                ? Optional.of(parsed.names()) : Optional.empty();
    }

    /** The name of the parameter that names a run: a launch without it gets a fresh value. */
    public static final String RUN = "run";

    /**
     * The parameters with a fresh identifying {@code run} added when the job takes one ({@link ParsedParameters#takes})
     * and none is given, as Spring Batch's incrementers add a fresh run id: so every such launch is a new job
     * instance. Giving {@code run} makes a launch idempotent: a second launch with the same identifying parameters is
     * refused (409) while the first runs or once it completed.
     */
    JobParameters withRun(Job job, JobParameters params) {
        if (params.getParameter(RUN) != null
                || !(job.getJobParametersValidator() instanceof ParsedParameters<?> parsed && parsed.takes(RUN))) {
            return params;
        }
        Set<JobParameter<?>> all = new java.util.HashSet<>(params.parameters());
        all.add(new JobParameter<>(RUN, freshRun(), String.class, true));
        return new JobParameters(all);
    }

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();
    private static final java.time.format.DateTimeFormatter RUN_TIME = java.time.format.DateTimeFormatter
            .ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'").withZone(java.time.ZoneOffset.UTC);

    /**
     * A fresh run value: the UTC time of the launch and 32 random bits, e.g. {@code 20261205T131502.417Z-9f3c01ab};
     * unique across processes without asking the database, and in time order when listed.
     */
    static String freshRun() {
        return RUN_TIME.format(java.time.Instant.now()) + "-" + String.format("%08x", RANDOM.nextInt());
    }

    private void validate(Job job, JobParameters params) {
        try {
            job.getJobParametersValidator().validate(params);
        } catch (InvalidJobParametersException e) {
            throw new JobRequestException(Reason.INVALID,
                    "bad parameters for job '" + job.getName() + "': " + e.getMessage(), e);
        }
    }

    /** How many times a launch is tried when the database reports a transient failure (a lock, a deadlock). */
    static final int ATTEMPTS = 3;

    /** Launches the job holding the lock on its instance: see {@link InstanceLock}. */
    private JobExecution launch(Job job, JobParameters params) {
        return instances.holding(job.getName(), params, () -> launchHoldingLock(job, params));
    }

    /**
     * Spring Batch's check-and-create, under the instance's lock. It stores a new instance and its first execution in
     * two transactions: when the second fails, the instance is left without an execution, and Spring Batch refuses
     * every later launch of it ("Cannot find any job execution for job instance"). Such an instance is removed, before
     * the launch (one left by a process that died between the two, or by an older version) and after a failed one; a
     * transient failure is tried again, at most {@value #ATTEMPTS} times.
     */
    private JobExecution launchHoldingLock(Job job, JobParameters params) {
        boolean recovered = false;
        for (int attempt = 1; ; attempt++) {
            discardInstanceWithoutExecution(job, params);
            queue.lastSubmitted(); // forget a task an earlier launch on this thread may have left
            try {
                JobExecution execution = operator.start(job, params);
                track(execution);
                Runnable task = queue.lastSubmitted();
                if (task != null && execution.getEndTime() == null) {
                    queued.put(execution.getId(), task);
                }
                return execution;
            } catch (JobExecutionAlreadyRunningException e) {
                if (!recovered && recoverDeadExecutions(job, params)) {
                    recovered = true;
                    continue; // the running execution was left by a dead process: recovered, start again
                }
                throw new JobRequestException(Reason.CONFLICT, "job '" + job.getName()
                        + "' is already running with these identifying parameters: " + e.getMessage(), e,
                        lastExecutionId(job, params));
            } catch (JobInstanceAlreadyCompleteException e) {
                throw new JobRequestException(Reason.CONFLICT, "job '" + job.getName()
                        + "' already completed with these identifying parameters " + params.getIdentifyingParameters()
                        + "; give a new value to an identifying parameter to run it again", e,
                        lastExecutionId(job, params));
            } catch (JobRestartException e) {
                throw new JobRequestException(Reason.CONFLICT,
                        "job '" + job.getName() + "' cannot be restarted: " + e.getMessage(), e);
            } catch (InvalidJobParametersException e) {
                throw new JobRequestException(Reason.INVALID,
                        "bad parameters for job '" + job.getName() + "': " + e.getMessage(), e);
            } catch (TransientDataAccessException | DuplicateKeyException e) {
                discardInstanceWithoutExecution(job, params);
                if (attempt >= ATTEMPTS) {
                    throw e;
                }
                log.info("launch of job " + job.getName() + " tried again after a transient failure: " + e);
            } catch (RuntimeException e) {
                discardInstanceWithoutExecution(job, params);
                throw e;
            }
        }
    }

    /**
     * The id of the latest execution of the job instance these parameters identify (the one a refused launch conflicts
     * with), or null when there is none or it cannot be read.
     */
    private Long lastExecutionId(Job job, JobParameters params) {
        try {
            JobExecution last = repository.getLastJobExecution(job.getName(), params);
            return last == null ? null : last.getId();
        } catch (RuntimeException e) {
            log.warn("could not look for the last execution of job " + job.getName() + ": " + e);
            return null;
        }
    }

    /** Removes the job instance of these parameters when it has no execution; see {@link #launchHoldingLock}. */
    private void discardInstanceWithoutExecution(Job job, JobParameters params) {
        try {
            JobInstance instance = repository.getJobInstance(job.getName(), params);
            if (instance != null && repository.getJobExecutions(instance).isEmpty()) {
                log.warn("removing instance " + instance.getId() + " of job " + job.getName()
                        + ", which has no execution (its launch failed)");
                repository.deleteJobInstance(instance);
            }
        } catch (RuntimeException e) {
            log.warn("could not look for an instance of job " + job.getName() + " without execution: " + e);
        }
    }

    private void track(JobExecution execution) {
        local.values().removeIf(x -> x.getEndTime() != null);
        queued.keySet().removeIf(id -> !local.containsKey(id));
        if (execution.getEndTime() == null) {
            local.put(execution.getId(), execution);
        }
    }

    private boolean recoverDeadExecutions(Job job, JobParameters params) {
        JobExecution last = repository.getLastJobExecution(job.getName(), params);
        if (last != null && last.isRunning() && isDead(last)) {
            log.warn("recovering execution " + last.getId() + " of job " + job.getName()
                    + " left running by a dead process");
            operator.recover(last);
            return true;
        }
        return false;
    }

    /**
     * Restarts a FAILED or STOPPED execution (recovering it first when a dead process left it running), as a new
     * execution of the same job instance. {@code overrides} replace parameters of the same name; they keep the
     * original's identifying flag (a restart cannot change the instance), and new names are non-identifying. Only the
     * instance's latest execution can be restarted: of concurrent restarts of one execution, one runs and the others
     * are refused, as is a restart of an execution restarted already.
     */
    public JobRun restart(long executionId, Map<String, String> overrides) {
        JobExecution first = execution(executionId);
        String name = first.getJobInstance().getJobName();
        Job job = job(name);
        JobParameters identifying = first.getJobParameters();
        long id = instances.holding(name, identifying, () -> {
            JobExecution execution = execution(executionId); // as it is now that no other launch changes it
            JobExecution last = repository.getLastJobExecution(execution.getJobInstance());
            if (last != null && last.getId() != executionId) {
                throw new JobRequestException(Reason.CONFLICT, "execution " + executionId + " of job '" + name
                        + "' was restarted already, as execution " + last.getId() + " (" + last.getStatus()
                        + "); restart that one if it ends FAILED or STOPPED");
            }
            if (execution.isRunning()) {
                if (!isDead(execution)) {
                    throw new JobRequestException(Reason.CONFLICT, "execution " + executionId + " of job '" + name
                            + "' is still running (" + execution.getStatus() + ")");
                }
                execution = operator.recover(execution);
            }
            if (execution.getStatus() == org.springframework.batch.core.BatchStatus.COMPLETED) {
                throw new JobRequestException(Reason.CONFLICT,
                        "execution " + executionId + " of job '" + name + "' completed: nothing to restart");
            }
            if (!job.isRestartable()) {
                throw new JobRequestException(Reason.CONFLICT, "job '" + name + "' is not restartable");
            }
            JobParameters params = merge(execution.getJobParameters(), overrides);
            validate(job, params);
            return launchHoldingLock(job, params).getId();
        });
        return view(id);
    }

    private JobParameters merge(JobParameters original, Map<String, String> overrides) {
        if (overrides == null || overrides.isEmpty()) {
            return original;
        }
        Map<String, JobParameter<?>> merged = new LinkedHashMap<>();
        original.parameters().forEach(p -> merged.put(p.name(), p));
        for (JobParameter<?> p : parameters(overrides)) {
            JobParameter<?> old = merged.get(p.name());
            boolean identifying = old != null && old.identifying();
            if (identifying && !old.value().equals(p.value())) {
                throw new JobRequestException(Reason.INVALID, "a restart cannot change the identifying parameter '"
                        + p.name() + "' (" + old.value() + "); start the job with it instead");
            }
            merged.put(p.name(), withIdentifying(p, identifying));
        }
        return new JobParameters(Set.copyOf(merged.values()));
    }

    private static <T> JobParameter<T> withIdentifying(JobParameter<T> p, boolean identifying) {
        return new JobParameter<>(p.name(), p.value(), p.type(), identifying);
    }

    /** Asks a running execution to stop; it ends STOPPED at its next chunk boundary and can be restarted. */
    public JobRun stop(long executionId) {
        JobExecution execution = execution(executionId);
        if (!execution.isRunning()) {
            throw new JobRequestException(Reason.CONFLICT,
                    "execution " + executionId + " is not running (" + execution.getStatus() + ")");
        }
        if (isDead(execution)) {
            throw new JobRequestException(Reason.CONFLICT, "execution " + executionId
                    + " was left running by a dead process; recover or restart it");
        }
        if (stopQueued(executionId)) {
            return view(executionId);
        }
        for (int attempt = 1; ; attempt++) {
            // the live execution when it runs here (the job updates that object), else the stored one
            JobExecution target = local.getOrDefault(executionId, execution);
            if (target.getEndTime() != null) {
                break; // ended meanwhile (a queued run stopped by a concurrent stop): nothing to ask
            }
            try {
                operator.stop(target);
                break;
            } catch (JobExecutionNotRunningException e) {
                throw new JobRequestException(Reason.CONFLICT, "execution " + executionId + " is not running", e);
            } catch (ScopeNotActiveException e) {
                // Spring Batch records STOPPING first, then looks for tasklet steps to stop; a job-scoped step (chunk
                // size from a job parameter) cannot be looked at outside its job's thread. The stop is recorded: a
                // chunk step sees it at its next chunk boundary.
                log.debug("stop of execution " + executionId + " recorded; its job-scoped steps stop at a chunk "
                        + "boundary");
                break;
            } catch (OptimisticLockingFailureException e) {
                // the job saved the execution meanwhile: read it again and ask again
                execution = execution(executionId);
                if (!execution.isRunning()) {
                    throw new JobRequestException(Reason.CONFLICT, "execution " + executionId
                            + " ended while it was being stopped (" + execution.getStatus() + ")", e);
                }
                if (attempt == 5) {
                    throw new JobRequestException(Reason.CONFLICT, "execution " + executionId
                            + " kept changing while it was being stopped; try again", e);
                }
            }
        }
        return view(executionId);
    }

    /**
     * Stops an execution launched here that still waits in the executor's queue for a job thread: it is taken out of
     * the queue and ends STOPPED now, without a step (restartable like any stopped run). False when it is not queued
     * here (it runs, or runs elsewhere): then it stops at its next chunk boundary.
     */
    private boolean stopQueued(long executionId) {
        JobExecution live = local.get(executionId);
        Runnable task = queued.get(executionId);
        ThreadPoolTaskExecutor pool = executor.getIfAvailable();
        if (live == null || task == null || pool == null || !pool.getThreadPoolExecutor().remove(task)) {
            return false;
        }
        queued.remove(executionId);
        live.setStatus(org.springframework.batch.core.BatchStatus.STOPPED);
        live.setExitStatus(org.springframework.batch.core.ExitStatus.STOPPED
                .addExitDescription("stopped while it waited for a job thread (drms.jobs.threads); no step ran"));
        live.setEndTime(LocalDateTime.now());
        repository.update(live);
        owners.afterJob(live); // its end, for whoever waits for it
        return true;
    }

    /**
     * Marks an execution left running by a dead process as FAILED (and its running steps), so that it can be
     * restarted. Refused for an execution that is not running or whose process is alive.
     */
    public JobRun recover(long executionId) {
        JobExecution execution = execution(executionId);
        if (!execution.isRunning()) {
            throw new JobRequestException(Reason.CONFLICT, "execution " + executionId + " is not running ("
                    + execution.getStatus() + "): nothing to recover");
        }
        if (!isDead(execution)) {
            throw new JobRequestException(Reason.CONFLICT, "execution " + executionId + " is still running in "
                    + JobOwner.readFrom(execution.getExecutionContext()).map(Object::toString)
                            .orElse("a live process"));
        }
        operator.recover(execution);
        return view(executionId);
    }

    /**
     * Whether a running (STARTING, STARTED, STOPPING) execution was left by a process that is gone: see the class
     * comment.
     */
    public boolean isDead(JobExecution execution) {
        if (!execution.isRunning()) {
            return false;
        }
        long id = execution.getId();
        JobExecution here = local.get(id);
        if (owners.runsHere(id) || here != null && here.getEndTime() == null) {
            return false;
        }
        var owner = JobOwner.readFrom(execution.getExecutionContext());
        if (owner.isPresent()) {
            if (owner.get().isThisProcess()) {
                return true; // this JVM owns it but does not run it
            }
            if (owner.get().isThisHost()) {
                return !owner.get().isAliveOnThisHost();
            }
        }
        return isStale(execution); // another host, or it never began: judge by its last update
    }

    private boolean isStale(JobExecution execution) {
        LocalDateTime last = execution.getLastUpdated();
        if (last == null) {
            last = execution.getCreateTime();
        }
        for (StepExecution s : execution.getStepExecutions()) {
            if (s.getLastUpdated() != null && (last == null || s.getLastUpdated().isAfter(last))) {
                last = s.getLastUpdated();
            }
        }
        return last == null || last.isBefore(LocalDateTime.now().minus(staleAfter));
    }

    /**
     * Waits until an execution started by {@link #launch} in this JVM has ended, at most {@code timeout}; returns
     * the live execution (its failure exceptions are there), or null when it is still running at the timeout.
     */
    public JobExecution await(JobExecution launched, Duration timeout) throws InterruptedException {
        try {
            return owners.whenEnded(launched).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return null;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause()); // never completed exceptionally
        }
    }

    /**
     * Starts the job and waits for its end (its listeners' results stored), at most {@code timeout}: the execution
     * as stored then. For callers in this JVM that only want the outcome, such as the demo.
     */
    public JobRun runToEnd(String jobName, Map<String, String> parameters, Duration timeout)
            throws InterruptedException {
        JobExecution launched = launch(jobName, parameters);
        if (await(launched, timeout) == null) {
            throw new IllegalStateException("execution " + launched.getId() + " of job '" + jobName
                    + "' is still running after " + timeout);
        }
        return view(launched.getId());
    }

    /**
     * The execution as stored; one that runs here and is still in its end-of-job listeners (whose results are
     * stored after its end) is shown as STARTED, so that whoever waits for its end sees those results.
     */
    public JobRun view(long executionId) {
        boolean here = owners.runsHere(executionId); // asked first: once false, the stored end is complete
        JobRun run = JobRun.of(execution(executionId));
        return run.ended() && here ? run.finishing() : run;
    }

    /** Whether the execution is dead: see {@link #isDead(JobExecution)}. */
    public boolean isDead(long executionId) {
        return isDead(execution(executionId));
    }

    private JobExecution execution(long executionId) {
        JobExecution execution;
        try {
            execution = repository.getJobExecution(executionId);
        } catch (org.springframework.dao.EmptyResultDataAccessException e) {
            execution = null; // the JDBC repository's answer for an unknown id
        }
        if (execution == null) {
            throw new JobRequestException(Reason.NOT_FOUND, "no job execution " + executionId);
        }
        return execution;
    }

    /**
     * The latest execution of the job in which the parameter (identifying or not) had that value, if any. Spring
     * Batch finds executions by job instance, not by one parameter's value: this reads its tables.
     */
    public Optional<JobRun> latestRunWith(String jobName, String parameterName, String value) {
        List<Long> ids = jdbc.queryForList("""
                SELECT e.job_execution_id FROM batch_job_execution e
                JOIN batch_job_instance i ON i.job_instance_id = e.job_instance_id
                JOIN batch_job_execution_params p ON p.job_execution_id = e.job_execution_id
                WHERE i.job_name = ? AND p.parameter_name = ? AND p.parameter_value = ?
                ORDER BY e.job_execution_id DESC LIMIT 1""", Long.class, jobName, parameterName, value);
        return ids.isEmpty() ? Optional.empty() : Optional.of(view(ids.get(0)));
    }

    /**
     * The largest number n among the values {@code <prefix><n>} (n of 1 to 18 digits) the parameter had in any
     * execution of any job, or 0 when it had none: for callers that number their runs, such as export requests.
     * Spring Batch has no query over parameter values: this reads its tables.
     */
    public long largestNumberedValue(String parameterName, String prefix) {
        Long max = jdbc.queryForObject("""
                SELECT max(substring(parameter_value from ?)::bigint) FROM batch_job_execution_params
                WHERE parameter_name = ? AND left(parameter_value, ?) = ?
                AND substring(parameter_value from ?) ~ '^[0-9]{1,18}$'""", Long.class,
                prefix.length() + 1, parameterName, prefix.length(), prefix, prefix.length() + 1);
        return max == null ? 0 : max;
    }

    /**
     * Whether an execution of the job that has the parameter (any value) is running and not dead ({@link #isDead}):
     * for a caller that starts one such run at a time, such as the staging service.
     */
    public boolean runningWith(String jobName, String parameterName) {
        List<Long> ids = jdbc.queryForList("""
                SELECT e.job_execution_id FROM batch_job_execution e
                JOIN batch_job_instance i ON i.job_instance_id = e.job_instance_id
                WHERE i.job_name = ? AND e.status IN ('STARTING', 'STARTED', 'STOPPING')
                AND EXISTS (SELECT 1 FROM batch_job_execution_params p
                            WHERE p.job_execution_id = e.job_execution_id AND p.parameter_name = ?)""",
                Long.class, jobName, parameterName);
        for (long id : ids) {
            if (!isDead(execution(id))) {
                return true;
            }
        }
        return false;
    }

    /** The most recent executions, newest first, of one job or (jobName null) of all. */
    public List<JobRun> recent(String jobName, int limit) {
        if (limit < 1 || limit > 10_000) {
            throw new JobRequestException(Reason.INVALID, "limit must be 1 to 10000, not " + limit);
        }
        List<Long> ids = jobName == null
                ? jdbc.queryForList("SELECT job_execution_id FROM batch_job_execution"
                        + " ORDER BY job_execution_id DESC LIMIT ?", Long.class, limit)
                : jdbc.queryForList("SELECT e.job_execution_id FROM batch_job_execution e"
                        + " JOIN batch_job_instance i ON i.job_instance_id = e.job_instance_id"
                        + " WHERE i.job_name = ? ORDER BY e.job_execution_id DESC LIMIT ?", Long.class,
                        jobName, limit);
        List<JobRun> runs = new ArrayList<>();
        for (long id : ids) {
            runs.add(view(id));
        }
        return runs;
    }

    /**
     * On shutdown, asks the executions this JVM runs or has queued to stop, and waits for them, so they can be
     * restarted: at most {@code drms.jobs.shutdown-wait} in all (the batch executor itself does not wait again). A
     * queued execution asked to stop ends STOPPED without running a step. Which ones run is known here (the live
     * executions and the owner listener), so nothing is asked of the database when none does: at JVM exit it may
     * already be gone.
     */
    @PreDestroy
    void stopRunning() throws InterruptedException {
        long deadline = System.nanoTime() + shutdownWait.toNanos();
        Map<Long, JobExecution> running = new HashMap<>();
        local.forEach((id, e) -> {
            if (e.isRunning()) {
                running.put(id, e);
            }
        });
        owners.running().forEach(id -> running.putIfAbsent(id, null));
        for (Map.Entry<Long, JobExecution> r : running.entrySet()) {
            try {
                JobExecution e = r.getValue() != null ? r.getValue() : repository.getJobExecution(r.getKey());
                if (e != null && (e.getStatus() == org.springframework.batch.core.BatchStatus.STARTING
                        || e.getStatus() == org.springframework.batch.core.BatchStatus.STARTED)) {
                    operator.stop(e);
                }
            } catch (ScopeNotActiveException e) {
                // recorded; see stop(long)
            } catch (Exception e) {
                log.warn("could not stop execution " + r.getKey() + ": " + e);
            }
        }
        ThreadPoolTaskExecutor pool = executor.getIfAvailable();
        if (pool != null && pool.isRunning()) {
            // no new job; the queued ones (asked to stop) end at once; then wait for the running ones
            pool.getThreadPoolExecutor().shutdown();
            pool.getThreadPoolExecutor().awaitTermination(Math.max(0, deadline - System.nanoTime()),
                    TimeUnit.NANOSECONDS);
        }
        while (!owners.running().isEmpty() && System.nanoTime() < deadline) {
            owners.awaitAnyEnd(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        }
        if (!owners.running().isEmpty()) {
            log.warn("executions " + owners.running() + " did not stop within drms.jobs.shutdown-wait ("
                    + shutdownWait + ")");
        }
    }
}
