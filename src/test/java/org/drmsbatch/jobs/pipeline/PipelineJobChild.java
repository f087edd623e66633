package org.drmsbatch.jobs.pipeline;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.drmsbatch.DrmsApplication;
import org.drmsbatch.jobs.FaultInjectionTestConfiguration;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;

/**
 * A child process for the pipeline kill test: starts the pipeline {@code slow} (the test's pipelines, see
 * {@link PipelineJobTest#PIPELINES}), prints {@code EXECUTION <id>}, then {@code COMMITTED <n>} once the rescale of
 * its third step (into {@code slow.c}) has committed at least {@code chunks} chunks, and runs on until killed; or
 * {@code ENDED <status>} should the pipeline end first.
 *
 * <p>Arguments: jdbc-url user home chunks
 */
public final class PipelineJobChild {

    private PipelineJobChild() {
    }

    public static void main(String[] a) throws Exception {
        PrintStream out = System.out;
        List<String> args = new ArrayList<>(List.of("--spring.datasource.url=" + a[0],
                "--spring.datasource.username=" + a[1], "--drms.home=" + a[2], "--drms.sweep-on-start=false",
                "--" + FaultInjectionTestConfiguration.PROPERTY));
        for (String p : PipelineJobTest.PIPELINES) {
            args.add("--" + p);
        }
        int chunks = Integer.parseInt(a[3]);
        JobControl jobs = new SpringApplicationBuilder(DrmsApplication.class).web(WebApplicationType.NONE)
                .logStartupInfo(false).run(args.toArray(String[]::new)).getBean(JobControl.class);
        long id = jobs.launch("slow", Map.of()).getId();
        out.println("EXECUTION " + id);
        out.flush();
        while (true) { // the job repository is all there is to watch: poll it (the parent's deadline bounds this)
            long committed = jobs.recent("rescale", 10).stream()
                    .filter(r -> "slow.c".equals(r.parameters().get("out")))
                    .flatMap(r -> r.steps().stream()).filter(s -> s.name().startsWith("rescaleWorker:"))
                    .mapToLong(JobRun.Step::commit).sum();
            if (committed >= chunks) {
                out.println("COMMITTED " + committed);
                out.flush();
                break;
            }
            JobRun run = jobs.view(id);
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
