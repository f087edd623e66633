package org.drmsbatch.cli;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.drmsbatch.drms.RecordStatus;
import org.drmsbatch.drms.query.RecordSets;
import org.drmsbatch.drms.query.RecordStatusReport;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;

/**
 * The demo's pipeline step: the pipeline {@value #NAME} (defined by the demo as {@code drms.pipelines.<name>} are:
 * rescale a detector's strain, then export the records the rescale made) run as one job, as {@code drms run
 * demo-nightly} would; then each step's per-record status ({@code drms status}), checked: every record good in each
 * step, none queued, in progress or failed.
 */
final class DemoPipeline {

    static final String NAME = "demo-nightly";
    static final String OUT = "demo.strain_scaled";

    private DemoPipeline() {
    }

    /** The pipeline's definition, as properties of the demo's context. */
    static List<String> properties(String input) {
        String p = "drms.pipelines." + NAME + ".steps";
        return List.of(p + "[0].job=rescale", p + "[0].parameters.ds=" + input, p + "[0].parameters.out=" + OUT,
                p + "[0].parameters.alpha=1e21", p + "[0].parameters.segment=strain",
                p + "[1].job=export", p + "[1].parameters.method=url", p + "[1].parameters.protocol=fits");
    }

    static void run(DrmsCommand drms, String input) {
        JobControl jobs = drms.bean(JobControl.class);
        System.out.println("pipeline: drms run " + NAME + " (rescale ds=" + input + " out=" + OUT
                + " alpha=1e21, then export the records it made)");
        JobRun run;
        try {
            run = jobs.runToEnd(NAME, Map.of(), Duration.ofMinutes(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the pipeline", e);
        }
        if (!"COMPLETED".equals(run.status())) {
            throw new IllegalStateException("pipeline " + NAME + " execution " + run.executionId() + " ended "
                    + run.status() + ": " + run.exitDescription());
        }
        System.out.println("   execution " + run.executionId() + " COMPLETED, steps "
                + run.steps().stream().map(JobRun.Step::name).toList());
        long records = drms.bean(RecordSets.class).count(input);
        RecordStatusReport report = drms.bean(RecordStatusReport.class);
        RecordStatus.Summary in = report.summary(input);
        String output = OUT + "[? JOB_EXEC > 0 ?]";
        RecordStatus.Summary out = report.summary(output);
        System.out.println("   drms status ds=" + input + " and ds=" + output + ":");
        StatusCommand.print(input, in, "   ");
        StatusCommand.print(output, out, "   ");
        check(in, NAME + ":step1.rescale", records);
        check(out, NAME + ":step2.export", records);
        System.out.println("   each of the " + records + " records good in both steps, none queued, in progress or"
                + " failed");
    }

    private static void check(RecordStatus.Summary summary, String step, long records) {
        RecordStatus.StepSummary s = summary.steps().stream().filter(x -> x.step().equals(step)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no status for step " + step));
        if (s.states().get("good") != records || s.states().values().stream().mapToLong(Long::longValue).sum()
                != records) {
            throw new IllegalStateException("step " + step + ": " + s.states() + ", expected " + records
                    + " records good");
        }
    }
}
