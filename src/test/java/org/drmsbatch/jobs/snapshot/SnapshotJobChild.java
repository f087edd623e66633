package org.drmsbatch.jobs.snapshot;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;

import org.drmsbatch.DrmsApplication;
import org.drmsbatch.buffer.DataBuffer;
import org.drmsbatch.buffer.SnapshotSteps;
import org.drmsbatch.schedules.JobControl;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A child process for {@link SnapshotKillTest}: starts the {@code snapshot} job, prints {@code EXECUTION <id>},
 * and when the snapshot reaches the named step ("manifest", "moved 2", "renamed", "reset") prints
 * {@code AT <step>} and blocks there until it is killed.
 *
 * <p>Arguments: jdbc-url user home run step
 */
public final class SnapshotJobChild {

    private SnapshotJobChild() {
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        String at = args[4];
        ConfigurableApplicationContext context = new SpringApplicationBuilder(DrmsApplication.class)
                .web(WebApplicationType.NONE).logStartupInfo(false)
                .run(List.of("--spring.datasource.url=" + args[0], "--spring.datasource.username=" + args[1],
                        "--drms.home=" + args[2], "--drms.sweep-on-start=false").toArray(String[]::new));
        SnapshotSteps.listen(context.getBean(DataBuffer.class), step -> {
            if (step.equals(at)) {
                out.println("AT " + step);
                out.flush();
                try {
                    Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        long id = context.getBean(JobControl.class).launch(SnapshotJobConfiguration.JOB, Map.of("run", args[3]))
                .getId();
        out.println("EXECUTION " + id);
        out.flush();
        Thread.sleep(Long.MAX_VALUE); // until killed
    }
}
