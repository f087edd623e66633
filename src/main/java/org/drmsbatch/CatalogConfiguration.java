package org.drmsbatch;

import javax.sql.DataSource;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.sums.Sums;
import org.springframework.boot.ApplicationRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.transaction.PlatformTransactionManager;

/** The catalog library (DRMS and SUMS) as beans, and the start-up sweep of storage units left by dead sessions. */
@Configuration(proxyBeanMethods = false)
public class CatalogConfiguration {

    @Bean
    Sums sums(DataSource dataSource, DrmsProperties properties) {
        return new Sums(dataSource, properties.partitions());
    }

    @Bean
    Drms drms(DataSource dataSource, PlatformTransactionManager transactionManager, Sums sums,
              DrmsProperties properties) {
        return new Drms(dataSource, transactionManager, sums, properties.session().namespace(),
                properties.session().defaultRetention());
    }

    /** At start-up: register the partitions and remove directories that no committed row owns. */
    @Bean
    @Order(0)
    ApplicationRunner storageSweep(Sums sums) {
        return args -> {
            sums.registerPartitions();
            sums.sweep();
        };
    }
}
