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
        description = {"Show the processing status of a record set per step: records by state, bytes and time.",
                "With step=NAME, state=queued|in_progress|good|failed or limit=N, also each record's status: its",
                "job execution, host, time, output record, bytes and, when it failed, why (at most limit, 100)."})
public class StatusCommand implements Callable<Integer> {

    @ParentCommand
    DrmsCommand drms;

    @Parameters(paramLabel = "ds=QUERY", description = "the record set, e.g. ds=hmi.M_45s[$]; then step=, state=,"
            + " limit=")
    List<String> arguments;

    @Override
    public Integer call() {
        Map<String, String> args = JobControl.parseArguments(arguments);
        if (!args.containsKey("ds") || !java.util.Set.of("ds", "step", "state", "limit").containsAll(args.keySet())) {
            throw new DrmsCommand.UserError("drms status takes ds=QUERY [step=NAME] [state=STATE] [limit=N] (got "
                    + args.keySet() + ")");
        }
        String ds = args.get("ds");
        RecordStatus.Filter filter;
        try {
            filter = RecordStatusReport.filter(args.get("step"), args.get("state"), args.get("limit"));
        } catch (IllegalArgumentException e) {
            throw new DrmsCommand.UserError(e.getMessage());
        }
        RecordStatus.Summary summary = drms.bean(RecordStatusReport.class).summary(ds, filter);
        print(ds, summary, "");
        if (filter.limit() > 0) {
            System.out.println("series\trecnum\tstep\tstate\texecution\thost\tupdated\toutput\tbytes\treason");
            for (RecordStatus.Row r : summary.entries()) {
                System.out.println(r.series() + "\t" + r.recnum() + "\t" + r.step() + "\t" + r.state() + "\t"
                        + (r.jobExecution() == null ? "" : r.jobExecution()) + "\t" + (r.host() == null ? "" : r.host())
                        + "\t" + r.updated() + "\t" + (r.outputSeries() == null ? ""
                        : r.outputSeries() + "[:#" + r.outputRecnum() + "]") + "\t" + r.bytes() + "\t"
                        + (r.reason() == null ? "" : r.reason().replace('\n', ' ')));
            }
            if (summary.entries().size() == filter.limit()) {
                System.out.println("(the first " + filter.limit() + "; give limit=N for more)");
            }
        }
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
