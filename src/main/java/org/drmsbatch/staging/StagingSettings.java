package org.drmsbatch.staging;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * {@code drms.staging.*}: how the staging service runs (MWA's kafkad constants and environment, specs
 * staging-and-buffer.md A.2).
 *
 * @param checkInterval      how often the monitor looks at the requests (MWA: 60 s)
 * @param expiry             how long a request lives before it is given up and reported (MWA: 2 days)
 * @param restageInterval    after how long a file still waiting is asked of the tape again (MWA: 6 h)
 * @param callbackRetry      the wait before a failed callback is tried again (MWA: 600 s)
 * @param callbacksPerMinute the most callbacks sent in a minute (MWA: 200, at least 0.3 s apart)
 * @param callbackTimeout    how long a callback may take (MWA: 60 s)
 * @param callbackHosts      the hosts callbacks may go to (host names or addresses, compared case-insensitively);
 *                           none: no callback is ever sent, and a request with a notify_url is refused
 * @param callbackUsername   HTTP Basic user sent with callbacks (MWA's RESULT_USERNAME); null: none
 * @param callbackPassword   its password (RESULT_PASSWORD)
 * @param reportExpiry       how long failure reports are kept (MWA: 30 days; the newest 100 always)
 * @param reportDirectory    where failure reports are written as text files, {@code <job_id>.txt}
 * @param callbackConcurrency how many callbacks may be in flight at once (MWA: 1); still at most
 *                           {@code callbacksPerMinute} started a minute, in request order. Default 8: a receiver
 *                           that is slow or never answers holds up one of them, not every other caller
 */
public record StagingSettings(Duration checkInterval, Duration expiry, Duration restageInterval, Duration callbackRetry,
                              int callbacksPerMinute, Duration callbackTimeout, List<String> callbackHosts,
                              String callbackUsername, String callbackPassword, Duration reportExpiry,
                              Path reportDirectory, int callbackConcurrency) {

    public StagingSettings {
        checkInterval = positive(checkInterval, Duration.ofSeconds(60));
        expiry = positive(expiry, Duration.ofDays(2));
        restageInterval = positive(restageInterval, Duration.ofHours(6));
        callbackRetry = positive(callbackRetry, Duration.ofSeconds(600));
        callbacksPerMinute = callbacksPerMinute <= 0 ? 200 : callbacksPerMinute;
        callbackTimeout = positive(callbackTimeout, Duration.ofSeconds(60));
        callbackHosts = callbackHosts == null ? List.of()
                : callbackHosts.stream().map(h -> h.trim().toLowerCase(Locale.ROOT)).filter(h -> !h.isEmpty())
                        .toList();
        if (callbackUsername != null && callbackUsername.isBlank()) {
            callbackUsername = null;
        }
        reportExpiry = positive(reportExpiry, Duration.ofDays(30));
        callbackConcurrency = callbackConcurrency <= 0 ? 8 : callbackConcurrency;
    }

    private static Duration positive(Duration d, Duration otherwise) {
        return d == null || d.isNegative() || d.isZero() ? otherwise : d;
    }

    /** The least time between two callbacks: a minute over {@link #callbacksPerMinute}. */
    public Duration callbackSpacing() {
        return Duration.ofMillis(60_000L / callbacksPerMinute);
    }
}
