package org.drmsbatch.cli;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;

import org.drmsbatch.schedules.Schedules;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code drms schedules}: the schedules ({@code drms.schedules.*}) with their next and last fires; {@code pause NAME}
 * and {@code resume NAME}. Reads and pauses through the database: the scheduler itself runs in {@code drms serve}.
 */
@Command(name = "schedules", mixinStandardHelpOptions = true,
        description = "List the schedules (cron, time zone, job, next fire, last fire and its run's status).",
        subcommands = {SchedulesCommand.Pause.class, SchedulesCommand.Resume.class})
public class SchedulesCommand implements Callable<Integer> {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneId.systemDefault());

    @ParentCommand
    DrmsCommand drms;

    @Override
    public Integer call() throws Exception {
        drms.readOnly();
        Schedules schedules = drms.bean(Schedules.class);
        System.out.printf("%-16s %-22s %-14s %-14s %-8s %-19s %-19s %-16s %-10s %s%n", "NAME", "CRON", "TIME-ZONE",
                "JOB", "STATE", "NEXT", "LAST FIRE", "OUTCOME", "RUN", "REASON");
        for (Schedules.View v : schedules.list()) {
            Schedules.Fire last = v.lastFire();
            System.out.printf("%-16s %-22s %-14s %-14s %-8s %-19s %-19s %-16s %-10s %s%n", v.name(), v.cron(),
                    v.timeZone(), v.job(), v.enabled() ? v.state() : "DISABLED", time(v.nextFire()),
                    last == null ? "-" : time(last.fireTime()), last == null ? "-" : last.outcome(),
                    last == null || last.executionId() == null ? "-" : last.executionId() + " " + v.lastRunStatus(),
                    last == null || last.reason() == null ? "" : last.reason());
        }
        return DrmsCommand.OK;
    }

    private static String time(Instant t) {
        return t == null ? "-" : TIME.format(t);
    }

    @Command(name = "pause", mixinStandardHelpOptions = true,
            description = "Pause a schedule: no fire until it is resumed (in every drms serve on the database).")
    static class Pause implements Callable<Integer> {

        @ParentCommand
        SchedulesCommand parent;

        @Parameters(index = "0", paramLabel = "NAME", description = "the schedule")
        String name;

        @Override
        public Integer call() throws Exception {
            parent.drms.readOnly();
            Schedules.View v = parent.drms.bean(Schedules.class).pause(name);
            System.out.println("schedule " + v.name() + ": " + v.state());
            return DrmsCommand.OK;
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true,
            description = "Resume a paused schedule; a fire missed meanwhile follows its misfire setting.")
    static class Resume implements Callable<Integer> {

        @ParentCommand
        SchedulesCommand parent;

        @Parameters(index = "0", paramLabel = "NAME", description = "the schedule")
        String name;

        @Override
        public Integer call() throws Exception {
            parent.drms.readOnly();
            Schedules.View v = parent.drms.bean(Schedules.class).resume(name);
            System.out.println("schedule " + v.name() + ": " + v.state() + ", next fire " + time(v.nextFire()));
            return DrmsCommand.OK;
        }
    }
}
