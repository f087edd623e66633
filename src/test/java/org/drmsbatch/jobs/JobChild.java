package org.drmsbatch.jobs;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.drmsbatch.DrmsApplication;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;

/**
 * What the kill tests' child processes do: start a job slowly in an application on the given database and home,
 * print {@code EXECUTION <id>}, then {@code COMMITTED <n>} once at least two (or the given number of) chunks are committed, and run on
 * until killed.
 */
public final class JobChild {

    private JobChild() {
    }

    public static void runUntilKilled(String url, String user, String home, String job, Map<String, String> parameters,
                               String... properties) throws Exception {
        runUntilKilled(url, user, home, job, parameters, 2, properties);
    }

    /** As above, printing {@code COMMITTED <n>} once at least {@code commits} chunks are committed (0: at once). */
    public static void runUntilKilled(String url, String user, String home, String job, Map<String, String> parameters,
                               int commits, String... properties) throws Exception {
        PrintStream out = System.out;
        List<String> args = new ArrayList<>(List.of("--spring.datasource.url=" + url,
                "--spring.datasource.username=" + user, "--drms.home=" + home, "--drms.sweep-on-start=false"));
        for (String p : properties) {
            args.add("--" + p);
        }
        JobControl jobs = new SpringApplicationBuilder(DrmsApplication.class).web(WebApplicationType.NONE)
                .logStartupInfo(false).run(args.toArray(String[]::new)).getBean(JobControl.class);
        long id = jobs.launch(job, parameters).getId();
        out.println("EXECUTION " + id);
        out.flush();
        while (true) {
            JobRun run = jobs.view(id);
            if (!run.steps().isEmpty() && run.steps().get(0).commit() >= commits) {
                out.println("COMMITTED " + run.steps().get(0).write());
                out.flush();
                break;
            }
            Thread.sleep(20);
        }
        Thread.sleep(Long.MAX_VALUE); // until killed
    }
}
