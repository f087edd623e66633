package org.drmsbatch.jobs;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

import org.drmsbatch.DrmsApplication;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;

/**
 * What the kill tests' child processes do: start a job slowly in an application on the given database and home,
 * print {@code EXECUTION <id>}, then {@code COMMITTED <n>} once at least two (or the given number of) chunks are
 * committed, and run on until killed. Should the job end first, it prints {@code ENDED <status>} instead (and the
 * test that waited for {@code COMMITTED} fails at once, saying so). See {@link KillHarness}.
 */
public final class JobChild {

    /**
     * The chunks committed by the first step of a run that does the job's work (not the {@link StageInput} step
     * that jobs reading segments begin with): what most jobs count.
     */
    public static final ToLongFunction<JobRun> FIRST_STEP_COMMITS = run -> {
        JobRun.Step s = workStep(run);
        return s == null ? 0 : s.commit();
    };

    /** The first step of a run that is not a {@link StageInput} step (null: none yet). */
    public static JobRun.Step workStep(JobRun run) {
        return run.steps().stream().filter(s -> !s.name().endsWith("StageInput")).findFirst().orElse(null);
    }

    private JobChild() {
    }

    public static void runUntilKilled(String url, String user, String home, String job, Map<String, String> parameters,
                               String... properties) throws Exception {
        runUntilKilled(url, user, home, job, parameters, 2, properties);
    }

    /** As above, printing {@code COMMITTED <n>} once at least {@code commits} chunks are committed (0: at once). */
    public static void runUntilKilled(String url, String user, String home, String job, Map<String, String> parameters,
                               int commits, String... properties) throws Exception {
        runUntilKilled(url, user, home, job, parameters, FIRST_STEP_COMMITS, commits, properties);
    }

    /**
     * As above, with {@code committed} telling how many chunks a run has committed (e.g. the sum over the workers of a
     * partitioned step).
     */
    public static void runUntilKilled(String url, String user, String home, String job, Map<String, String> parameters,
                               ToLongFunction<JobRun> committed, int commits, String... properties) throws Exception {
        PrintStream out = System.out;
        List<String> args = new ArrayList<>(List.of("--spring.datasource.url=" + url,
                "--spring.datasource.username=" + user, "--drms.home=" + home, "--drms.sweep-on-start=false",
                "--" + FaultInjectionTestConfiguration.PROPERTY));
        for (String p : properties) {
            args.add("--" + p);
        }
        JobControl jobs = new SpringApplicationBuilder(DrmsApplication.class).web(WebApplicationType.NONE)
                .logStartupInfo(false).run(args.toArray(String[]::new)).getBean(JobControl.class);
        long id = jobs.launch(job, parameters).getId();
        out.println("EXECUTION " + id);
        out.flush();
        while (true) { // the job repository is all there is to watch: poll it (the parent's deadline bounds this)
            JobRun run = jobs.view(id);
            long n = committed.applyAsLong(run);
            if (n >= commits && !run.steps().isEmpty()) {
                out.println("COMMITTED " + n);
                out.flush();
                break;
            }
            if (run.ended()) {
                out.println("ENDED " + run.status());
                out.flush();
                break;
            }
            Thread.sleep(20);
        }
        Thread.sleep(Long.MAX_VALUE); // until killed
    }
}
