package org.drmsbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.drmsbatch.DrmsApplication;
import org.drmsbatch.TestDatabase;
import org.drmsbatch.jobs.JobTests;
import org.junit.jupiter.api.Test;
import org.quartz.Scheduler;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code drms schedules}, {@code pause} and {@code resume} on a database where a {@code drms serve} synced a schedule;
 * the command line's context never starts the scheduler.
 */
class SchedulesCommandTest {

    private static final String[] NIGHTLY = {"drms.schedules.nightly.cron=0 0 1 * * ?",
        "drms.schedules.nightly.time-zone=UTC", "drms.schedules.nightly.job=counting",
        "drms.schedules.nightly.parameters.key=n", "drms.schedules.nightly.parameters.items=1"};

    @Test
    void listsPausesAndResumesWithoutStartingTheScheduler() throws Exception {
        String url = TestDatabase.newDatabase();
        Path home = JobTests.newHome("sched-cli");
        List<String> args = new java.util.ArrayList<>(List.of("--spring.datasource.url=" + url,
                "--spring.datasource.username=" + TestDatabase.user(), "--drms.home=" + home,
                "--drms.sweep-on-start=false", "--drms.test.counting-job=true",
                "--spring.main.web-application-type=servlet", "--server.address=127.0.0.1", "--server.port=0",
                "--drms.security.token=test-token-0123456789"));
        for (String s : NIGHTLY) {
            args.add("--" + s);
        }
        try (ConfigurableApplicationContext serve = new SpringApplicationBuilder(DrmsApplication.class)
                .web(WebApplicationType.SERVLET).logStartupInfo(false).run(args.toArray(String[]::new))) {
            assertThat(serve.getBean(Scheduler.class).isStarted()).isTrue();
        }
        List<String> options = new java.util.ArrayList<>(CommandRun.options(home, url, NIGHTLY));
        options.addAll(List.of("--set", "drms.test.counting-job=true"));

        CommandRun list = CommandRun.run(options, null, "schedules");
        assertThat(list.code()).isZero();
        assertThat(list.out()).containsPattern("nightly +0 0 1 \\* \\* \\? +UTC +counting +NORMAL +\\d{4}-\\d\\d-\\d\\d")
                .containsPattern("archive .* DISABLED");

        CommandRun pause = CommandRun.run(options, null, "schedules", "pause", "nightly");
        assertThat(pause.code()).isZero();
        assertThat(pause.out()).contains("schedule nightly: PAUSED");
        assertThat(CommandRun.run(options, null, "schedules").out()).containsPattern("nightly .* PAUSED ");
        CommandRun resume = CommandRun.run(options, null, "schedules", "resume", "nightly");
        assertThat(resume.code()).isZero();
        assertThat(resume.out()).contains("schedule nightly: NORMAL, next fire ");

        CommandRun unknown = CommandRun.run(options, null, "schedules", "pause", "nope");
        assertThat(unknown.code()).isEqualTo(DrmsCommand.USER_ERROR);
        assertThat(unknown.err()).contains("no schedule named 'nope'");
        CommandRun disabled = CommandRun.run(options, null, "schedules", "pause", "archive");
        assertThat(disabled.code()).isEqualTo(DrmsCommand.USER_ERROR);
        assertThat(disabled.err()).contains("schedule 'archive' is not in the scheduler (it is disabled)");

        // a command-line context has the scheduler object but never starts it
        try (ConfigurableApplicationContext cli = new SpringApplicationBuilder(DrmsApplication.class)
                .web(WebApplicationType.NONE).logStartupInfo(false).run("--spring.datasource.url=" + url,
                        "--spring.datasource.username=" + TestDatabase.user(), "--drms.home=" + home,
                        "--drms.sweep-on-start=false")) {
            assertThat(cli.getBean(Scheduler.class).isStarted()).isFalse();
        }
    }
}
