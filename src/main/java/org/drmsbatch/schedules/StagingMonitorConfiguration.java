package org.drmsbatch.schedules;

import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.drmsbatch.config.StagingProperties;
import org.drmsbatch.staging.Callbacks;
import org.drmsbatch.staging.StagingService;
import org.drmsbatch.staging.StagingSettings;
import org.drmsbatch.staging.StagingStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The staging service ({@code staging/}): requests in the database, stage batches through {@link JobControl}, MWA
 * callbacks. {@code drms serve} runs its monitor every {@code drms.staging.check-interval} (unless
 * {@code drms.staging.monitor=false}); {@code drms stage watch} runs it while it watches.
 */
@Configuration(proxyBeanMethods = false)
public class StagingMonitorConfiguration {

    private static final Logger log = LoggerFactory.getLogger(StagingMonitorConfiguration.class);

    @Bean
    StagingService stagingService(StagingStore store, StagingSettings settings, StagingLauncher launcher) {
        return new StagingService(store, settings, launcher, new Callbacks(settings), Clock.systemUTC());
    }

    /** The monitor of {@code drms serve}: one turn every check interval, on a thread of its own. */
    @Bean(destroyMethod = "shutdownNow")
    @ConditionalOnWebApplication
    ScheduledExecutorService stagingMonitor(StagingService service, StagingProperties properties) {
        ScheduledExecutorService monitor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "staging-monitor");
            t.setDaemon(true);
            return t;
        });
        if (properties.monitor() == null || properties.monitor()) {
            long every = service.settings().checkInterval().toMillis();
            monitor.scheduleWithFixedDelay(() -> {
                try {
                    service.tick();
                } catch (RuntimeException e) {
                    log.warn("Staging monitor: {}", e.toString());
                }
            }, every, every, TimeUnit.MILLISECONDS);
        }
        return monitor;
    }
}
