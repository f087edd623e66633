package org.drmsbatch.cli;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.drmsbatch.drms.RecordStatus;
import org.drmsbatch.drms.query.RecordStatusReport;
import org.drmsbatch.schedules.JobControl;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code drms status ds=<query>}: the processing status of a record set, one line per step: its records by state
 * (queued, in_progress, good, failed), their output bytes and time, as SuperDARN's summary logs give them.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show the processing status of a record set per step: records by state, bytes and time.")
public class StatusCommand implements Callable<Integer> {

    @ParentCommand
    DrmsCommand drms;

    @Parameters(paramLabel = "ds=QUERY", description = "the record set, e.g. ds=hmi.M_45s[$]")
    List<String> arguments;

    @Override
    public Integer call() {
        Map<String, String> args = JobControl.parseArguments(arguments);
        if (!args.keySet().equals(java.util.Set.of("ds"))) {
            throw new DrmsCommand.UserError("drms status takes ds=QUERY only (got " + args.keySet() + ")");
        }
        String ds = args.get("ds");
        print(ds, drms.bean(RecordStatusReport.class).summary(ds), "");
        return DrmsCommand.OK;
    }

    /** Prints a record set's status as {@code drms status} does, each line after {@code indent}. */
    static void print(String ds, RecordStatus.Summary summary, String indent) {
        System.out.println(indent + ds + ": " + summary.records() + " records");
        if (summary.steps().isEmpty()) {
            System.out.println(indent + "no step has processed them");
        }
        for (RecordStatus.StepSummary s : summary.steps()) {
            StringBuilder line = new StringBuilder(indent).append(s.step()).append(":");
            s.states().forEach((state, n) -> line.append(' ').append(state).append(' ').append(n));
            line.append(", ").append(s.bytes()).append(" bytes, ").append(String.format("%.3f", s.millis() / 1000.0))
                    .append(" s");
            System.out.println(line);
        }
    }
}
