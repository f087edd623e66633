package org.drmsbatch.api.site;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The nav bar entries of the status site's own pages; a new panel adds its {@link StatusPage} bean likewise. */
@Configuration(proxyBeanMethods = false)
public class SitePages {

    @Bean
    StatusPage overviewPage() {
        return StatusPage.of("Overview", "/status", 0);
    }

    @Bean
    StatusPage jobsPage() {
        return StatusPage.of("Jobs", "/status/jobs", 10);
    }

    @Bean
    StatusPage seriesPage() {
        return StatusPage.of("Series", "/status/series", 20);
    }

    @Bean
    StatusPage storagePage() {
        return StatusPage.of("Storage", "/status/storage", 30);
    }

    @Bean
    StatusPage bufferPage() {
        return StatusPage.of("Buffer", "/status/buffer", 40);
    }

    @Bean
    StatusPage tapePage() {
        return StatusPage.of("Tape", "/status/tape", 50);
    }

    @Bean
    StatusPage stagingPage() {
        return StatusPage.of("Staging", "/status/staging", 60);
    }

    @Bean
    StatusPage schedulesPage() {
        return StatusPage.of("Schedules", "/status/schedules", 70);
    }
}
