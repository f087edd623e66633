package org.drmsbatch.config;

import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import org.drmsbatch.cluster.Broker;
import org.drmsbatch.cluster.Cluster;
import org.drmsbatch.cluster.ClusterWorker;
import org.drmsbatch.cluster.PartitionWorker;
import org.drmsbatch.cluster.Workers;
import org.drmsbatch.sums.Sums;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitAdmin;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/**
 * The cluster's wiring (README "Cluster"), only with {@code drms.cluster.enabled=true}: the broker connection, the
 * durable queue (declared again on every new connection, so a broker that lost it gets it back), the manager's
 * {@link Cluster} and, with {@code drms.cluster.worker=true} ({@code drms worker}), the {@link ClusterWorker}.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ClusterProperties.class)
@ConditionalOnProperty(name = "drms.cluster.enabled", havingValue = "true")
public class ClusterConfiguration {

    @Bean(destroyMethod = "destroy")
    CachingConnectionFactory clusterConnections(ClusterProperties properties) throws Exception {
        com.rabbitmq.client.ConnectionFactory rabbit = new com.rabbitmq.client.ConnectionFactory();
        rabbit.setUri(properties.brokerUrl());
        String path = properties.brokerUrl().getPath();
        if (path == null || path.isEmpty() || path.equals("/")) {
            rabbit.setVirtualHost("/"); // amqp://host:5672/ means the broker's default virtual host, as users expect
        }
        if (properties.brokerUrl().getUserInfo() == null) {
            if (properties.username() != null) {
                rabbit.setUsername(properties.username());
            }
            if (properties.password() != null) {
                rabbit.setPassword(properties.password());
            }
        }
        rabbit.setAutomaticRecoveryEnabled(false); // Spring AMQP recovers itself
        rabbit.setConnectionTimeout(10_000);
        rabbit.setRequestedHeartbeat(10); // a broker gone silent is noticed in seconds
        CachingConnectionFactory connections = new CachingConnectionFactory(rabbit);
        connections.setPublisherConfirmType(CachingConnectionFactory.ConfirmType.SIMPLE);
        connections.setConnectionNameStrategy(f -> "drms " + ProcessHandle.current().pid());
        return connections;
    }

    @Bean
    Queue clusterQueue(ClusterProperties properties) {
        return new Queue(properties.queue(), true, false, false);
    }

    @Bean
    RabbitAdmin clusterAdmin(CachingConnectionFactory clusterConnections) {
        RabbitAdmin admin = new RabbitAdmin(clusterConnections);
        admin.setIgnoreDeclarationExceptions(true); // a broker away at start-up: declared when it is back
        return admin;
    }

    @Bean
    Workers clusterWorkers(DataSource dataSource) {
        return new Workers(dataSource);
    }

    @Bean
    Broker clusterBroker(CachingConnectionFactory clusterConnections, ClusterProperties properties) {
        return new Broker(new RabbitTemplate(clusterConnections), properties.queue(), properties.sendTimeout(), JsonMapper.builder().build(),
                properties.shownBroker());
    }

    @Bean
    Cluster cluster(ClusterProperties properties, JobRepository repository, Workers clusterWorkers,
            Broker clusterBroker) {
        return new Cluster(repository, clusterWorkers, clusterBroker, properties.pollInterval(),
                properties.deadAfter(), properties.reassign());
    }

    @Bean
    @ConditionalOnProperty(name = "drms.cluster.worker", havingValue = "true")
    ClusterWorker clusterWorker(CachingConnectionFactory clusterConnections, Broker clusterBroker,
            Workers clusterWorkers, JobRepository repository, ObjectProvider<PartitionWorker> steps, Sums sums,
            ClusterProperties properties) {
        Map<String, PartitionWorker> byName = steps.orderedStream()
                .collect(Collectors.toMap(PartitionWorker::stepName, Function.identity()));
        return new ClusterWorker(clusterConnections, clusterBroker, clusterWorkers, repository, byName,
                sums::unavailablePartitions, properties.heartbeat(), properties.concurrency(), properties.stopGrace());
    }
}
