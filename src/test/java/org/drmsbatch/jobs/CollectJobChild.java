package org.drmsbatch.jobs;

import java.io.PrintStream;
import java.util.Map;

import org.drmsbatch.DrmsApplication;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A child process for the collect kill test: starts {@code collect} slowly, prints {@code EXECUTION <id>}, then
 * {@code COMMITTED <n>} once at least two chunks are committed, and runs on until it is killed.
 *
 * <p>Arguments: jdbc-url user home run chunk-size delay-millis
 */
public final class CollectJobChild {

    private CollectJobChild() {
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        ConfigurableApplicationContext context = new SpringApplicationBuilder(DrmsApplication.class)
                .web(WebApplicationType.NONE).logStartupInfo(false)
                .run("--spring.datasource.url=" + args[0], "--spring.datasource.username=" + args[1],
                        "--drms.home=" + args[2], "--drms.sweep-on-start=false");
        JobControl jobs = context.getBean(JobControl.class);
        long id = jobs.launch("collect", Map.of("run", args[3], "chunkSize", args[4],
                "delay", args[5] + ",java.lang.Long,false")).getId();
        out.println("EXECUTION " + id);
        out.flush();
        while (true) {
            JobRun run = jobs.view(id);
            if (!run.steps().isEmpty() && run.steps().get(0).commit() >= 2) {
                out.println("COMMITTED " + run.steps().get(0).write());
                out.flush();
                break;
            }
            Thread.sleep(20);
        }
        Thread.sleep(Long.MAX_VALUE); // until killed
    }
}
