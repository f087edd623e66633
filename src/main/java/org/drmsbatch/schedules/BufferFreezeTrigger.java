package org.drmsbatch.schedules;

import java.util.Map;

import org.drmsbatch.buffer.BufferState;
import org.drmsbatch.buffer.BufferStatus;
import org.drmsbatch.buffer.DataBuffer;
import org.drmsbatch.jobs.collect.CollectJobConfiguration;
import org.drmsbatch.jobs.snapshot.SnapshotJobConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;

/**
 * A buffer-freeze trigger: looks at the data buffer's state every interval and, when it has frozen, runs
 * {@code collect} (the buffered chunks become records) and, once that has completed, {@code snapshot} (which moves
 * the files away and reopens the buffer). Each freeze (its time and token) is handled once: a failed collect is not
 * retried for the same freeze (the buffer stays frozen, for an operator to look at; the failed execution can be
 * restarted by hand), and the snapshot is not taken after a failed collect. The buffer's API is unchanged: the
 * trigger reads {@link DataBuffer#describe}.
 */
public final class BufferFreezeTrigger {

    private static final Logger log = LoggerFactory.getLogger(BufferFreezeTrigger.class);

    private final String name;
    private final TriggerDefinition definition;
    private final ObjectProvider<DataBuffer> buffer;
    private final JobControl jobs;
    private String handled;
    private String handling;
    private Long collect;
    private Long snapshot;

    public BufferFreezeTrigger(String name, TriggerDefinition definition, ObjectProvider<DataBuffer> buffer,
            JobControl jobs) {
        this.name = name;
        this.definition = definition;
        this.buffer = buffer;
        this.jobs = jobs;
    }

    public synchronized void tick() {
        if (collect != null) {
            JobRun c = jobs.view(collect);
            if (!c.ended()) {
                return;
            }
            collect = null;
            if (c.status().equals("COMPLETED")) {
                try {
                    snapshot = jobs.start(SnapshotJobConfiguration.JOB, Map.of("user", "trigger " + name))
                            .executionId();
                } catch (RuntimeException e) {
                    handled = handling; // refused: not tried again for this freeze
                    throw e;
                }
                log.info("trigger {}: collect execution {} completed; started snapshot execution {}", name,
                        c.executionId(), snapshot);
            } else {
                log.warn("trigger {}: collect execution {} ended {}: no snapshot for this freeze", name,
                        c.executionId(), c.status());
                handled = handling;
            }
            return;
        }
        if (snapshot != null) {
            JobRun s = jobs.view(snapshot);
            if (!s.ended()) {
                return;
            }
            log.info("trigger {}: snapshot execution {} ended {}", name, s.executionId(), s.status());
            snapshot = null;
            handled = handling;
            return;
        }
        DataBuffer b = buffer.getIfAvailable();
        if (b == null) {
            return;
        }
        BufferStatus status = b.describe();
        if (status.state() != BufferState.FROZEN) {
            return;
        }
        String freeze = status.since() + " " + status.token();
        if (freeze.equals(handled)) {
            return;
        }
        handling = freeze;
        try {
            collect = jobs.start(CollectJobConfiguration.JOB, definition.parameters()).executionId();
        } catch (RuntimeException e) {
            handled = freeze; // refused (bad parameters, ...): not tried again for this freeze
            throw e;
        }
        log.info("trigger {}: the buffer froze ({}): started collect execution {}", name, freeze, collect);
    }

    /** Whether a collect or snapshot of this trigger is going. */
    public synchronized boolean busy() {
        return collect != null || snapshot != null;
    }
}
