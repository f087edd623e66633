package org.drmsbatch.cli;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code drms jobs}: the recent job executions as a table (or the job names). */
@Command(name = "jobs", mixinStandardHelpOptions = true, description = "List recent job executions.")
public class JobsCommand implements Callable<Integer> {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneId.systemDefault());

    @ParentCommand
    DrmsCommand drms;

    @Option(names = {"-n", "--limit"}, defaultValue = "20", description = "how many (default: ${DEFAULT-VALUE})")
    int limit;

    @Option(names = "--job", paramLabel = "NAME", description = "only this job's executions")
    String job;

    @Option(names = "--names", description = "list the jobs that can be run instead")
    boolean names;

    @Override
    public Integer call() {
        drms.readOnly();
        JobControl jobs = drms.bean(JobControl.class);
        if (names) {
            jobs.jobNames().forEach(System.out::println);
            return DrmsCommand.OK;
        }
        List<JobRun> runs = jobs.recent(job, limit);
        System.out.printf("%8s  %-16s %-10s %-19s %-19s %10s %10s %8s  %s%n", "ID", "JOB", "STATUS", "START",
                "END", "READ", "WRITTEN", "SKIPPED", "PARAMETERS");
        for (JobRun r : runs) {
            // a partitioned step's counts are its partitions' sum: count the partitions only
            List<JobRun.Step> counted = r.steps().stream().filter(s -> !s.partitioned()).toList();
            long read = counted.stream().mapToLong(JobRun.Step::read).sum();
            long write = counted.stream().mapToLong(JobRun.Step::write).sum();
            long skip = counted.stream().mapToLong(JobRun.Step::skip).sum();
            String params = r.parameters().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                    .collect(Collectors.joining(" "));
            System.out.printf("%8d  %-16s %-10s %-19s %-19s %10d %10d %8d  %s%n", r.executionId(), r.job(),
                    r.status(), r.startTime() == null ? "-" : TIME.format(r.startTime()),
                    r.endTime() == null ? "-" : TIME.format(r.endTime()), read, write, skip, params);
        }
        return DrmsCommand.OK;
    }
}
