package org.drmsbatch.schedules;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.Optional;

import org.springframework.batch.infrastructure.item.ExecutionContext;

/**
 * The process that runs a job execution: host name, pid and the process' start time, kept in the job execution's
 * context when the job begins. On the same host a process is alive when a process with that pid exists and
 * started at the same time (so a reused pid is not mistaken for the owner).
 */
public record JobOwner(String host, long pid, long startedMillis) {

    static final String HOST = "drms.owner.host";
    static final String PID = "drms.owner.pid";
    static final String STARTED = "drms.owner.started";

    private static final JobOwner CURRENT = new JobOwner(localHost(), ProcessHandle.current().pid(),
            startMillis(ProcessHandle.current()));

    /** This process. */
    public static JobOwner current() {
        return CURRENT;
    }

    static String localHost() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    private static long startMillis(ProcessHandle p) {
        return p.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
    }

    void writeTo(ExecutionContext context) {
        context.putString(HOST, host);
        context.putLong(PID, pid);
        context.putLong(STARTED, startedMillis);
    }

    static Optional<JobOwner> readFrom(ExecutionContext context) {
        if (context == null || !context.containsKey(HOST) || !context.containsKey(PID)) {
            return Optional.empty();
        }
        long started = context.containsKey(STARTED) ? context.getLong(STARTED) : 0L;
        return Optional.of(new JobOwner(context.getString(HOST), context.getLong(PID), started));
    }

    boolean isThisHost() {
        return host.equals(CURRENT.host);
    }

    boolean isThisProcess() {
        return equals(CURRENT);
    }

    /** Whether the process is alive; only meaningful on this host. */
    boolean isAliveOnThisHost() {
        Optional<ProcessHandle> p = ProcessHandle.of(pid);
        if (p.isEmpty() || !p.get().isAlive()) {
            return false;
        }
        long started = startMillis(p.get());
        // start times are known to the millisecond on Linux only roughly: allow a small difference
        return startedMillis == 0 || started == 0 || Math.abs(started - startedMillis) < 2000;
    }

    @Override
    public String toString() {
        return host + ":" + pid;
    }
}
