package org.drmsbatch.schedules;

import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import java.util.UUID;

import javax.sql.DataSource;

import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.utils.ConnectionProvider;
import org.quartz.utils.DBConnectionManager;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.quartz.SchedulerFactoryBean;

/**
 * Quartz for the schedules ({@link Schedules}): its JDBC job store in the catalog database (tables {@code qrtz_*},
 * sql/V6__schedules.sql), clustered, so several {@code drms serve} processes on one database fire each schedule once.
 * Every process has the scheduler object (the command line reads and pauses through it); only {@code drms serve}
 * (a web application) syncs the definitions and starts it.
 */
@Configuration(proxyBeanMethods = false)
public class SchedulesConfiguration {

    private static final org.apache.commons.logging.Log log = org.apache.commons.logging.LogFactory
            .getLog(SchedulesConfiguration.class);

    /** The scheduler's name: the same in every process, which makes them one cluster. */
    static final String SCHEDULER_NAME = "drms";

    @Bean
    SchedulerFactoryBean drmsScheduler(DataSource dataSource,
            @Value("${drms.scheduler.threads:2}") int threads,
            @Value("${drms.scheduler.misfire-threshold:60s}") Duration misfireThreshold,
            @Value("${drms.scheduler.cluster-checkin-interval:5s}") Duration checkin) {
        if (threads < 1 || threads > 100) {
            throw new IllegalArgumentException("drms.scheduler.threads must be 1 to 100, not " + threads);
        }
        // Quartz finds its data source by name in a JVM-wide registry: a name of this scheduler's own, so that two
        // application contexts in one JVM (tests) do not share one
        String dataSourceName = "drms-" + UUID.randomUUID();
        DBConnectionManager.getInstance().addConnectionProvider(dataSourceName, new ConnectionProvider() {
            @Override
            public Connection getConnection() throws SQLException {
                return dataSource.getConnection();
            }

            @Override
            public void shutdown() {
                // the application's pool is closed by the application
            }

            @Override
            public void initialize() {
            }
        });
        Properties q = new Properties();
        q.setProperty("org.quartz.scheduler.instanceName", SCHEDULER_NAME);
        q.setProperty("org.quartz.scheduler.instanceId", ManagementFactory.getRuntimeMXBean().getName() + "-"
                + UUID.randomUUID().toString().substring(0, 8));
        q.setProperty("org.quartz.scheduler.makeSchedulerThreadDaemon", "true");
        q.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        q.setProperty("org.quartz.threadPool.class", "org.quartz.simpl.SimpleThreadPool");
        q.setProperty("org.quartz.threadPool.threadCount", Integer.toString(threads));
        q.setProperty("org.quartz.threadPool.makeThreadsDaemons", "true");
        q.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
        q.setProperty("org.quartz.jobStore.driverDelegateClass", "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate");
        q.setProperty("org.quartz.jobStore.dataSource", dataSourceName);
        q.setProperty("org.quartz.jobStore.tablePrefix", "qrtz_");
        q.setProperty("org.quartz.jobStore.useProperties", "true");
        q.setProperty("org.quartz.jobStore.isClustered", "true");
        q.setProperty("org.quartz.jobStore.clusterCheckinInterval", Long.toString(checkin.toMillis()));
        q.setProperty("org.quartz.jobStore.misfireThreshold", Long.toString(misfireThreshold.toMillis()));
        q.setProperty("org.quartz.jobStore.acquireTriggersWithinLock", "true");
        SchedulerFactoryBean factory = new SchedulerFactoryBean();
        factory.setQuartzProperties(q);
        factory.setSchedulerName(SCHEDULER_NAME);
        factory.setAutoStartup(false); // drms serve starts it: see scheduleRunner
        factory.setWaitForJobsToCompleteOnShutdown(true);
        return factory;
    }

    @Bean
    Schedules schedules(Scheduler scheduler, JobControl control, JdbcTemplate jdbc, Environment environment)
            throws SchedulerException {
        return new Schedules(scheduler, control, jdbc, environment);
    }

    /**
     * In {@code drms serve}: syncs the definitions into the store, then starts the scheduler when a schedule is enabled
     * (with none, the sync removed every schedule from the store: there is nothing to fire).
     */
    @Bean
    @ConditionalOnWebApplication
    SmartLifecycle scheduleRunner(Schedules schedules, Scheduler scheduler) {
        return new SmartLifecycle() {
            private volatile boolean running;

            @Override
            public void start() {
                try {
                    schedules.sync();
                    if (schedules.definitions().values().stream().noneMatch(Schedule::enabled)) {
                        log.info("No schedule is enabled (drms.schedules.*): the scheduler is not started");
                        return;
                    }
                    scheduler.start();
                } catch (SchedulerException e) {
                    throw new IllegalStateException("Could not start the scheduler: " + e.getMessage(), e);
                }
                running = true;
            }

            @Override
            public void stop() {
                try {
                    scheduler.standby();
                } catch (SchedulerException e) {
                    // shutting down
                }
                running = false;
            }

            @Override
            public boolean isRunning() {
                return running;
            }
        };
    }
}
