package org.drmsbatch.schedules;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/** How the owner of an execution is recorded and judged alive. */
class JobOwnerTest {

    @Test
    void theCurrentProcessIsAliveAndRoundTripsThroughAnExecutionContext() {
        ExecutionContext context = new ExecutionContext();
        JobOwner.current().writeTo(context);
        JobOwner read = JobOwner.readFrom(context).orElseThrow();
        assertThat(read).isEqualTo(JobOwner.current());
        assertThat(read.isThisProcess()).isTrue();
        assertThat(read.isAliveOnThisHost()).isTrue();
        assertThat(JobOwner.readFrom(new ExecutionContext())).isEmpty();
    }

    @Test
    void aKilledProcessIsDeadAndAReusedPidIsNotTheOwner() throws Exception {
        Process p = new ProcessBuilder("sleep", "60").start();
        long started = p.info().startInstant().orElseThrow().toEpochMilli();
        JobOwner owner = new JobOwner(JobOwner.current().host(), p.pid(), started);
        assertThat(owner.isThisHost()).isTrue();
        assertThat(owner.isAliveOnThisHost()).isTrue();
        // the same pid with another start time: a different process that got the pid
        assertThat(new JobOwner(owner.host(), p.pid(), started - 3_600_000).isAliveOnThisHost()).isFalse();
        p.destroyForcibly();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(owner.isAliveOnThisHost()).isFalse();
    }
}
