package org.drmsbatch.cluster;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.AmqpException;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageDeliveryMode;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * Hands partition requests to the broker: persistent messages on the durable queue, each confirmed by the broker
 * before {@link #send} returns (publisher confirms), so that a request the manager counts as sent survives a broker
 * restart. A broker that does not answer is tried again until {@code drms.cluster.send-timeout}.
 */
public class Broker {

    private static final Logger log = LoggerFactory.getLogger(Broker.class);
    static final String CONTENT_TYPE = "application/json";

    private final RabbitTemplate template;
    private final String queue;
    private final Duration sendTimeout;
    private final JsonMapper json;
    private final String shown;

    public Broker(RabbitTemplate template, String queue, Duration sendTimeout, JsonMapper json, String shown) {
        this.template = template;
        this.queue = queue;
        this.sendTimeout = sendTimeout;
        this.json = json;
        this.shown = shown;
    }

    public String queue() {
        return queue;
    }

    /** Sends one request and waits for the broker's confirm; retries while the broker is away. */
    public void send(PartitionRequest request) throws InterruptedException {
        MessageProperties props = new MessageProperties();
        props.setContentType(CONTENT_TYPE);
        props.setContentEncoding(StandardCharsets.UTF_8.name());
        props.setDeliveryMode(MessageDeliveryMode.PERSISTENT);
        props.setMessageId(request.stepExecutionId() + "." + request.attempt());
        Message message = new Message(json.writeValueAsBytes(request), props);
        long deadline = System.nanoTime() + sendTimeout.toNanos();
        long pause = 100;
        for (int tries = 1; ; tries++) {
            try {
                template.invoke(ops -> {
                    ops.send("", queue, message);
                    ops.waitForConfirmsOrDie(10_000);
                    return null;
                });
                return;
            } catch (AmqpException e) {
                if (System.nanoTime() > deadline) {
                    throw new ClusterException("cannot hand partition " + request.stepName() + " (step execution "
                            + request.stepExecutionId() + ") to the broker " + shown + " within drms.cluster"
                            + ".send-timeout (" + sendTimeout + ", " + tries + " tries): " + e.getMessage(), e);
                }
                if (tries == 1) {
                    log.warn("The broker {} does not take partition {} ({}); trying again until {}", shown,
                            request.stepExecutionId(), e.getMessage(), sendTimeout);
                }
                Thread.sleep(pause);
                pause = Math.min(pause * 2, 2_000);
            }
        }
    }

    /** Reads a request's JSON. */
    public PartitionRequest read(Message message) {
        return json.readValue(message.getBody(), PartitionRequest.class);
    }
}
