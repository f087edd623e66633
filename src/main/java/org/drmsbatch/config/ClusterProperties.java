package org.drmsbatch.config;

import java.net.URI;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code drms.cluster.*}: remote partitioning over RabbitMQ (issue 17). Off unless {@code enabled}; without it every
 * partition runs on a thread of the process that runs the job, as before. Each property is documented in
 * {@code application.yaml}.
 *
 * @param enabled      whether this process talks to the broker (a manager that may send partitions, a worker)
 * @param worker       whether this process takes partitions from the queue ({@code drms worker}, {@code drms serve
 *                     --worker} set it; without {@code enabled} nothing is bound and WorkerCommand says so)
 * @param brokerUrl    the broker, {@code amqp://host:port/vhost} (amqps for TLS); credentials in it or below
 * @param username     the broker user (when the URL names none)
 * @param password     its password
 * @param queue        the durable queue partitions are sent to
 * @param heartbeat    how often a worker says it is alive
 * @param deadAfter    a worker silent for longer is declared dead
 * @param reassign     whether a dead worker's partition (or one a worker refused) is sent again to another worker;
 *                     otherwise the job fails with the reason and a restart re-runs the partition
 * @param pollInterval how often the manager reads its partitions' state from the job repository
 * @param sendTimeout  how long the manager keeps trying to hand a partition to a broker that does not answer
 * @param concurrency  the partitions one worker runs at a time
 * @param stopGrace    how long a worker being stopped (SIGTERM) lets its running partitions go on before it stops them
 *                     after their current chunk (0: at once)
 */
@ConfigurationProperties(prefix = "drms.cluster")
public record ClusterProperties(boolean enabled, boolean worker, URI brokerUrl, String username, String password,
                                String queue, Duration heartbeat, Duration deadAfter, boolean reassign,
                                Duration pollInterval, Duration sendTimeout, int concurrency, Duration stopGrace) {

    public ClusterProperties {
        if (brokerUrl == null) {
            brokerUrl = URI.create("amqp://127.0.0.1:5672/");
        }
        if (queue == null || queue.isBlank()) {
            queue = "drms.partitions";
        }
        heartbeat = positive(heartbeat, Duration.ofSeconds(5), "heartbeat");
        deadAfter = positive(deadAfter, Duration.ofSeconds(30), "dead-after");
        pollInterval = positive(pollInterval, Duration.ofSeconds(1), "poll-interval");
        sendTimeout = positive(sendTimeout, Duration.ofMinutes(2), "send-timeout");
        if (deadAfter.compareTo(heartbeat.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException("drms.cluster.dead-after (" + deadAfter
                    + ") must be at least twice drms.cluster.heartbeat (" + heartbeat + ")");
        }
        if (stopGrace == null) {
            stopGrace = Duration.ofSeconds(25);
        }
        if (stopGrace.isNegative()) {
            throw new IllegalArgumentException("drms.cluster.stop-grace must not be negative, not " + stopGrace);
        }
        if (concurrency == 0) {
            concurrency = 1;
        }
        if (concurrency < 1 || concurrency > 64) {
            throw new IllegalArgumentException("drms.cluster.concurrency must be 1..64, not " + concurrency);
        }
    }

    private static Duration positive(Duration d, Duration fallback, String name) {
        if (d == null) {
            return fallback;
        }
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("drms.cluster." + name + " must be positive, not " + d);
        }
        return d;
    }

    /** The broker URL without its credentials, as logs and messages show it. */
    public String shownBroker() {
        return brokerUrl.getScheme() + "://" + brokerUrl.getHost() + (brokerUrl.getPort() > 0 ? ":" + brokerUrl.getPort()
                : "") + (brokerUrl.getPath() == null ? "" : brokerUrl.getPath());
    }
}
