package org.drmsbatch.config;

import java.util.List;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.query.RecordSets;
import org.drmsbatch.segments.SegmentFiles;
import org.drmsbatch.sums.Scrub;
import org.drmsbatch.sums.Sums;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.ApplicationRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.transaction.PlatformTransactionManager;

/** The catalog library (DRMS and SUMS) as beans, and the start-up sweep of storage units left by dead sessions. */
@Configuration(proxyBeanMethods = false)
public class CatalogConfiguration {

    private static final Logger log = LoggerFactory.getLogger(CatalogConfiguration.class);

    /**
     * A small pool of its own for the autocommit bookkeeping next to sessions (session and allocation rows), so
     * that sessions holding every connection of the main pool can never starve it.
     */
    @Bean(destroyMethod = "close")
    SideDataSource sideDataSource(DataSource dataSource) {
        return new SideDataSource(dataSource);
    }

    @Bean
    Sums sums(SideDataSource side, DrmsProperties properties) {
        return new Sums(side.get(), properties.partitions(), java.time.Clock.systemUTC(), properties.tapes());
    }

    /** The scrub: {@code drms.sums.*} watermarks and capacity, its own transactions on the main pool. */
    @Bean
    Scrub scrub(DataSource dataSource, DrmsProperties properties) {
        DrmsProperties.SumsSettings s = properties.sums();
        return new Scrub(dataSource, java.time.Clock.systemUTC(), s.highWater(), s.lowWater(),
                s.capacity() == null ? null : s.capacity().toBytes());
    }

    @Bean
    Drms drms(DataSource dataSource, SideDataSource side, PlatformTransactionManager transactionManager, Sums sums,
              DrmsProperties properties) {
        return new Drms(dataSource, side.get(), transactionManager, sums, new SegmentFiles(),
                properties.session().namespace(), properties.session().defaultRetention());
    }

    /** Holds the side pool: a copy of the main Hikari pool's settings with 4 connections (else the main pool). */
    static final class SideDataSource implements AutoCloseable {
        private final DataSource dataSource;
        private final HikariDataSource owned;

        SideDataSource(DataSource main) {
            if (main instanceof HikariDataSource h) {
                owned = new HikariDataSource();
                owned.setJdbcUrl(h.getJdbcUrl());
                owned.setUsername(h.getUsername());
                owned.setPassword(h.getPassword());
                owned.setDataSourceProperties(h.getDataSourceProperties());
                owned.setMaximumPoolSize(4);
                owned.setMinimumIdle(0);
                owned.setPoolName("drms-side");
                dataSource = owned;
            } else {
                owned = null;
                dataSource = main;
            }
        }

        DataSource get() {
            return dataSource;
        }

        @Override
        public void close() {
            if (owned != null) {
                owned.close();
            }
        }
    }

    /** The processing status of record sets ({@code drms status}, {@code GET /api/status}). */
    @Bean
    org.drmsbatch.drms.query.RecordStatusReport recordStatusReport(Drms drms, RecordSets recordSets) {
        return new org.drmsbatch.drms.query.RecordStatusReport(drms, recordSets);
    }

    /** Record-set queries; each runs with the statement timeout {@code drms.query.timeout}. */
    @Bean
    RecordSets recordSets(Drms drms, @Value("${drms.query.timeout:10m}") java.time.Duration timeout) {
        return new RecordSets(drms, timeout);
    }

    /**
     * At start-up: claim and register the partitions, and remove directories that no committed row owns. Commands
     * that only read skip it ({@code drms.sweep-on-start=false}).
     */
    @Bean
    @Order(0)
    ApplicationRunner storageSweep(Sums sums, @Value("${drms.sweep-on-start:true}") boolean sweepOnStart,
            @Value("${drms.cluster.worker:false}") boolean worker) {
        return args -> {
            if (!sweepOnStart) {
                return;
            }
            if (worker) {
                // a cluster's worker uses the shared partitions as they are: creating a missing one would put an
                // empty local directory where the shared file system should be mounted
                List<String> problems = sums.unavailablePartitions();
                if (!problems.isEmpty()) {
                    log.error("This worker cannot use the catalog's SUMS partitions and will refuse partitions: {}",
                            String.join("; ", problems));
                }
            } else {
                sums.registerPartitions();
            }
            // only the units of sessions that are over (their advisory lock is free: another host's live session
            // holds its own), and only on partitions that carry this catalog's marker
            sums.sweep();
        };
    }
}
