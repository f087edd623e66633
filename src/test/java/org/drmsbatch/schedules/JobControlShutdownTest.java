package org.drmsbatch.schedules;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.drmsbatch.DrmsApplication;
import org.drmsbatch.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Shutdown honours {@code drms.jobs.shutdown-wait}: running jobs are asked to stop and awaited that long in all,
 * not that long and then the executor's own wait on top.
 */
class JobControlShutdownTest {

    @TempDir
    Path home;

    @Test
    void shutdownWaitsNoLongerThanTheShutdownWait() throws Exception {
        String url = TestDatabase.newDatabase();
        ConfigurableApplicationContext context = new SpringApplicationBuilder(DrmsApplication.class)
                .web(WebApplicationType.NONE).logStartupInfo(false)
                .run("--spring.datasource.url=" + url, "--spring.datasource.username=" + TestDatabase.user(),
                        "--drms.home=" + home, "--drms.sweep-on-start=false", "--drms.test.counting-job=true",
                        "--drms.jobs.shutdown-wait=2s");
        JobControl jobs = context.getBean(JobControl.class);
        // a chunk of 10 items of 2 s each that nothing cuts short: a stop is seen only at its end, 20 s on
        long id = jobs.launch("counting", Map.of("key", "slow", "items", "100", "hold", "2000,java.lang.Long,false"))
                .getId();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!jobs.view(id).status().equals("STARTED")) {
            assertThat(System.nanoTime()).as("the job began").isLessThan(deadline);
            Thread.sleep(20);
        }

        long t0 = System.nanoTime();
        context.close();
        Duration took = Duration.ofNanos(System.nanoTime() - t0);

        assertThat(took).as("shutdown took %s", took).isGreaterThanOrEqualTo(Duration.ofMillis(1900))
                .isLessThan(Duration.ofSeconds(8));
    }
}
