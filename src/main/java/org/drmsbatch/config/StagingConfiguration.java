package org.drmsbatch.config;

import javax.sql.DataSource;

import org.drmsbatch.staging.StagingSettings;
import org.drmsbatch.staging.StagingStore;
import org.drmsbatch.sums.Sums;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The staging service's settings ({@code drms.staging.*}) and its requests in the database. The service itself, which
 * starts its stage batches through job control, and its monitor are wired in {@code schedules/}
 * ({@code StagingMonitorConfiguration}): configuration stays below job control.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(StagingProperties.class)
public class StagingConfiguration {

    @Bean
    StagingSettings stagingSettings(StagingProperties properties, DrmsProperties drms) {
        return properties.settings(drms.home());
    }

    @Bean
    StagingStore stagingStore(DataSource dataSource, Sums sums) {
        return new StagingStore(dataSource, sums);
    }
}
