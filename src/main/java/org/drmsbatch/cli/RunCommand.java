package org.drmsbatch.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code drms run JOB name=value…}: starts a job in this process and prints its progress (each step's read,
 * write and skip counts when they change) until it ends. Exit 0 when COMPLETED, 1 when it FAILED because of the
 * user's input (or the request was refused), 2 otherwise.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run a job and print its progress. Parameters: name=value[,type[,identifying]], e.g. "
                + "runDate=2026-01-03,java.time.LocalDate or requestId=r42,java.lang.String,false.")
public class RunCommand implements Callable<Integer> {

    @ParentCommand
    DrmsCommand drms;

    @Parameters(index = "0", paramLabel = "JOB", description = "the job name (see drms jobs --names)")
    String job;

    @Parameters(index = "1..*", paramLabel = "NAME=VALUE", description = "job parameters")
    List<String> parameters = new ArrayList<>();

    @Option(names = "--async", description = "print the execution id at once, then wait quietly for the end "
            + "(the job runs in this process)")
    boolean async;

    @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "1s",
            description = "how often progress is checked, e.g. 500ms (default: ${DEFAULT-VALUE})")
    String interval;

    @Override
    public Integer call() throws Exception {
        Duration every = parseDuration(interval);
        Map<String, String> params = JobControl.parseArguments(parameters);
        JobControl jobs = drms.bean(JobControl.class);
        JobExecution execution = jobs.launch(job, params);
        long id = execution.getId();
        Object runId = execution.getJobParameters().getParameter(JobControl.RUN) == null ? null
                : execution.getJobParameters().getParameter(JobControl.RUN).value();
        System.out.println(async ? String.valueOf(id) : "execution " + id + " of job " + job + " started"
                + (runId == null ? "" : " (run " + runId + ")"));
        Map<String, String> shown = new HashMap<>();
        JobRun run;
        while (true) {
            run = jobs.view(id);
            if (!async) {
                for (JobRun.Step s : run.steps()) {
                    String line = s.name() + ": read " + s.read() + ", written " + s.write() + ", skipped "
                            + s.skip() + " (" + s.status() + ")";
                    if (!line.equals(shown.put(s.name(), line))) {
                        System.out.println(line);
                    }
                }
            }
            if (run.ended() && run.steps().stream().allMatch(s -> s.endTime() != null)) {
                break;
            }
            Thread.sleep(Math.max(10, every.toMillis()));
        }
        System.out.println("execution " + id + " of job " + job + ": " + run.status() + " (exit " + run.exitCode()
                + ")");
        if (BatchStatus.COMPLETED.name().equals(run.status())) {
            return DrmsCommand.OK;
        }
        Throwable userError = execution.getAllFailureExceptions().stream()
                .map(DrmsCommand::rootUserError).filter(t -> t != null).findFirst().orElse(null);
        if (userError != null) {
            System.err.println("drms run: " + userError.getMessage());
            return DrmsCommand.USER_ERROR;
        }
        for (Throwable t : execution.getAllFailureExceptions()) {
            System.err.println("drms run: " + t);
        }
        return DrmsCommand.INTERNAL_ERROR;
    }

    static Duration parseDuration(String text) {
        String t = text.trim().toLowerCase();
        try {
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            if (t.endsWith("s")) {
                return Duration.ofMillis((long) (Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
            }
            return Duration.ofMillis((long) (Double.parseDouble(t) * 1000));
        } catch (NumberFormatException e) {
            throw new DrmsCommand.UserError("bad --interval '" + text + "' (e.g. 500ms, 2s)");
        }
    }
}
