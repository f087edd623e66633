package org.drmsbatch.jobs.rescale;

import java.io.PrintStream;
import java.util.Map;

import org.drmsbatch.DrmsApplication;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;

/**
 * A child process for the rescale kill test: starts {@code rescale} slowly (partitioned, into the input series),
 * prints {@code EXECUTION <id>}, then {@code COMMITTED <n>} once its partitions have committed at least
 * {@code chunks} chunks together, and runs on until it is killed.
 *
 * <p>Arguments: jdbc-url user home ds partitions chunk-size delay-millis chunks
 */
public final class RescaleJobChild {

    private RescaleJobChild() {
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        JobControl jobs = new SpringApplicationBuilder(DrmsApplication.class).web(WebApplicationType.NONE)
                .logStartupInfo(false).run("--spring.datasource.url=" + args[0], "--spring.datasource.username="
                        + args[1], "--drms.home=" + args[2], "--drms.sweep-on-start=false")
                .getBean(JobControl.class);
        long id = jobs.launch("rescale", Map.of("ds", args[3], "alpha", "-2", "beta", "1", "partitions", args[4],
                "chunkSize", args[5], "delay", args[6] + ",java.lang.Long,false")).getId();
        out.println("EXECUTION " + id);
        out.flush();
        int chunks = Integer.parseInt(args[7]);
        while (true) {
            JobRun run = jobs.view(id);
            long commits = run.steps().stream().filter(s -> s.name().startsWith("rescaleWorker:"))
                    .mapToLong(JobRun.Step::commit).sum();
            if (commits >= chunks) {
                out.println("COMMITTED " + commits);
                out.flush();
                break;
            }
            if (run.ended()) {
                out.println("ENDED " + run.status());
                out.flush();
                break;
            }
            Thread.sleep(10);
        }
        Thread.sleep(Long.MAX_VALUE); // until killed
    }
}
