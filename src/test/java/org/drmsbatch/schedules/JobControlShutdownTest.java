package org.drmsbatch.schedules;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.drmsbatch.ChildJvm;
import org.drmsbatch.DrmsApplication;
import org.drmsbatch.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;

/**
 * Shutdown honours {@code drms.jobs.shutdown-wait}: on SIGTERM running jobs are asked to stop and awaited that long
 * in all, not that long and then the executor's own wait on top. A child JVM runs a job whose items nothing cuts
 * short (a stop is seen only at the end of its chunk, 20 s on) with a shutdown wait of 2 s, and is sent SIGTERM.
 */
class JobControlShutdownTest {

    @TempDir
    Path home;

    /** The child: starts the context and the job, prints {@code BEGAN} once it is in its first item, waits. */
    public static void main(String[] args) throws Exception {
        JobControl jobs = new SpringApplicationBuilder(DrmsApplication.class).web(WebApplicationType.NONE)
                .logStartupInfo(false)
                .run("--spring.datasource.url=" + args[0], "--spring.datasource.username=" + args[1],
                        "--drms.home=" + args[2], "--drms.sweep-on-start=false", "--drms.test.counting-job=true",
                        "--drms.jobs.shutdown-wait=2s")
                .getBean(JobControl.class);
        // a chunk of 10 items of 2 s each that nothing cuts short: a stop is seen only at its end, 20 s on
        long id = jobs.launch("counting", Map.of("key", "slow", "items", "100", "hold", "2000,java.lang.Long,false"))
                .getId();
        while (!inFirstItem(jobs.view(id))) {
            Thread.sleep(20);
        }
        System.out.println("BEGAN");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    private static boolean inFirstItem(JobRun run) {
        return run.steps().size() == 1 && run.steps().get(0).status().equals("STARTED")
                && run.steps().get(0).startTime() != null
                && run.steps().get(0).startTime().isBefore(java.time.Instant.now().minusMillis(300));
    }

    @Test
    void shutdownWaitsNoLongerThanTheShutdownWait() throws Exception {
        Path stderr = home.resolve("child.err");
        ChildJvm jvm = ChildJvm.start(JobControlShutdownTest.class, stderr, TestDatabase.newDatabase(),
                TestDatabase.user(), home.toString());
        Process child = jvm.process();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (true) {
                String l = jvm.lines().poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                assertThat(l).as("child output (stderr: %s)", Files.exists(stderr) ? Files.readString(stderr) : "")
                        .isNotNull().isNotEqualTo(ChildJvm.EOF);
                if (l.equals("BEGAN")) {
                    break;
                }
            }
            long t0 = System.nanoTime();
            child.destroy(); // SIGTERM: the context closes, JobControl stops the job and waits
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
            Duration took = Duration.ofNanos(System.nanoTime() - t0);

            assertThat(took).as("shutdown took %s", took).isGreaterThanOrEqualTo(Duration.ofMillis(1900))
                    .isLessThan(Duration.ofSeconds(8));
        } finally {
            child.destroyForcibly();
        }
    }
}
