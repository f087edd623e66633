package org.drmsbatch.schedules;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;

import org.drmsbatch.DrmsApplication;
import org.drmsbatch.TestDatabase;
import org.drmsbatch.jobs.JobTests;
import org.junit.jupiter.api.Test;
import org.quartz.Scheduler;
import org.springframework.beans.factory.config.YamlPropertiesFactoryBean;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.io.ClassPathResource;

/**
 * The schedules application.yaml ships: the export clean-up (04:30 UTC nightly) and the staging expiry (hourly) are
 * enabled, archive and scrub are not; a {@code drms serve} with them takes them into its scheduler. (The tests' own
 * {@code config/application.yaml} turns the two off for every other test; this one turns them on again.)
 */
class DefaultSchedulesTest {

    @Test
    void theShippedApplicationYamlEnablesTheCleanUpSchedulesOnly() throws Exception {
        YamlPropertiesFactoryBean yaml = new YamlPropertiesFactoryBean();
        yaml.setResources(new ClassPathResource("application.yaml")); // the main one: tests have config/ only
        Properties p = yaml.getObject();
        assertThat(p.getProperty("drms.export.retention")).isEqualTo("7d");
        assertThat(p.getProperty("drms.schedules.export-cleanup.cron")).isEqualTo("0 30 4 * * ?");
        assertThat(p.getProperty("drms.schedules.export-cleanup.time-zone")).isEqualTo("UTC");
        assertThat(p.getProperty("drms.schedules.export-cleanup.job")).isEqualTo("export-cleanup");
        assertThat(p.get("drms.schedules.export-cleanup.enabled")).isEqualTo(true);
        assertThat(p.getProperty("drms.schedules.staging-expiry.cron")).isEqualTo("0 0 * * * ?");
        assertThat(p.getProperty("drms.schedules.staging-expiry.job")).isEqualTo("staging-expiry");
        assertThat(p.get("drms.schedules.staging-expiry.enabled")).isEqualTo(true);
        assertThat(p.get("drms.schedules.archive.enabled")).isEqualTo(false);
        assertThat(p.get("drms.schedules.scrub.enabled")).isEqualTo(false);

        String url = TestDatabase.newDatabase();
        // the tests' config/application.yaml turns them off for the other tests
        try (ConfigurableApplicationContext cli = new SpringApplicationBuilder(DrmsApplication.class)
                .web(WebApplicationType.NONE).logStartupInfo(false).run("--spring.datasource.url=" + url,
                        "--spring.datasource.username=" + TestDatabase.user(),
                        "--drms.home=" + JobTests.newHome("default-schedules-cli"), "--drms.sweep-on-start=false")) {
            Map<String, Schedule> defined = cli.getBean(Schedules.class).definitions();
            assertThat(defined.get("export-cleanup").enabled()).isFalse();
            assertThat(defined.get("staging-expiry").enabled()).isFalse();
        }
        try (ConfigurableApplicationContext serve = new SpringApplicationBuilder(DrmsApplication.class)
                .web(WebApplicationType.SERVLET).logStartupInfo(false).run("--spring.datasource.url=" + url,
                        "--spring.datasource.username=" + TestDatabase.user(),
                        "--drms.home=" + JobTests.newHome("default-schedules"), "--drms.sweep-on-start=false",
                        "--spring.main.web-application-type=servlet", "--server.address=127.0.0.1",
                        "--server.port=0", "--drms.security.token=test-token-0123456789",
                        "--drms.schedules.export-cleanup.enabled=true",
                        "--drms.schedules.staging-expiry.enabled=true")) {
            assertThat(serve.getBean(Scheduler.class).isStarted()).isTrue();
            List<Schedules.View> views = serve.getBean(Schedules.class).list();
            Map<String, Schedules.View> byName = views.stream()
                    .collect(Collectors.toMap(Schedules.View::name, v -> v));
            Schedules.View cleanup = byName.get("export-cleanup");
            assertThat(cleanup.state()).isEqualTo("NORMAL");
            ZonedDateTime next = cleanup.nextFire().atZone(ZoneOffset.UTC);
            assertThat(List.of(next.getHour(), next.getMinute(), next.getSecond())).containsExactly(4, 30, 0);
            Schedules.View expiry = byName.get("staging-expiry");
            assertThat(expiry.state()).isEqualTo("NORMAL");
            assertThat(expiry.nextFire().atZone(ZoneOffset.UTC).getMinute()).isZero();
            assertThat(byName.get("archive").state()).isEqualTo("NONE");
            assertThat(byName.get("scrub").state()).isEqualTo("NONE");
            JobControl control = serve.getBean(JobControl.class);
            assertThat(control.jobNames()).contains("export-cleanup", "staging-expiry");
            assertThat(control.takes("export-cleanup", JobControl.RUN)).isTrue();
            assertThat(control.takes("staging-expiry", JobControl.RUN)).isTrue();
        }
    }
}
