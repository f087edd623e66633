package org.drmsbatch.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.drmsbatch.staging.StagingSettings;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code drms.staging.*}: see {@link StagingSettings} for each property, and {@code application.yaml}.
 *
 * @param monitor whether this process runs the staging monitor ({@code drms serve}: yes by default)
 */
@ConfigurationProperties(prefix = "drms.staging")
public record StagingProperties(Boolean monitor, Duration checkInterval, Duration expiry, Duration restageInterval,
                                Duration callbackRetry, int callbacksPerMinute, Duration callbackTimeout,
                                List<String> callbackHosts, String callbackUsername, String callbackPassword,
                                Duration reportExpiry, Path reportDirectory, int callbackConcurrency) {

    /** The settings, with the report directory under the home ({@code <home>/staging/failed} by default). */
    public StagingSettings settings(Path home) {
        Path reports = reportDirectory == null ? home.resolve("staging").resolve("failed")
                : home.resolve(reportDirectory).toAbsolutePath().normalize();
        return new StagingSettings(checkInterval, expiry, restageInterval, callbackRetry, callbacksPerMinute,
                callbackTimeout, callbackHosts, callbackUsername, callbackPassword, reportExpiry, reports,
                callbackConcurrency);
    }
}
