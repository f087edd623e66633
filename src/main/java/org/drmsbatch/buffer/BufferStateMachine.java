package org.drmsbatch.buffer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * OPERATIONAL/FROZEN (glitchflow's datastore state machine), who set it and when, and the snapshot under way,
 * saved with the counters in {@code state.json} (written atomically) at every change. A transition is saved before
 * it is taken in memory, so a failed write changes nothing. Takes no lock: {@link DataBuffer} does.
 */
final class BufferStateMachine {

    static final String STATE = "state.json";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** What state.json holds (besides the counters). */
    record Status(BufferState state, String user, String token, Instant since, String snapshot) {
        Status withSnapshot(String name) {
            return new Status(state, user, token, since, name);
        }
    }

    /** What state.json held: the status and the counters as they were saved. */
    record Saved(Status status, BufferStats stats) {
    }

    private final Path file;
    private volatile Status status = opened();

    BufferStateMachine(Path bufferDirectory) {
        this.file = bufferDirectory.resolve(STATE);
    }

    /** OPERATIONAL as {@value DataBuffer#DEFAULT_USER}, since now, no snapshot under way. */
    private static Status opened() {
        return new Status(BufferState.OPERATIONAL, DataBuffer.DEFAULT_USER, DataBuffer.DEFAULT_USER, Instant.now(),
                null);
    }

    /**
     * What state.json holds, or null when there is none.
     *
     * @throws RuntimeException when it cannot be parsed
     */
    Saved read() throws IOException {
        if (!Files.exists(file)) {
            return null;
        }
        JsonNode s = JSON.readTree(Files.readAllBytes(file));
        Status saved = new Status(BufferState.valueOf(s.get("dstatus").asString()), s.get("user").asString(),
                s.get("token").asString(), Instant.parse(s.get("since").asString()),
                s.hasNonNull("snapshot") ? s.get("snapshot").asString() : null);
        return new Saved(saved, new BufferStats(s.get("n_itm").asLong(), s.get("buff_size").asLong()));
    }

    /** At open: takes the saved status as the current one (in memory). */
    void restore(Status saved) {
        status = saved;
    }

    BufferState state() {
        return status.state();
    }

    /** The snapshot recorded as under way, or null. */
    String snapshot() {
        return status.snapshot();
    }

    BufferStatus describe(BufferStats stats) {
        Status s = status;
        return new BufferStatus(s.state(), s.user(), s.token(), s.since(), stats);
    }

    /** FROZEN by {@code user}/{@code token}, since now; a snapshot under way stays recorded. */
    void freeze(String user, String token, BufferStats counters) throws IOException {
        change(new Status(BufferState.FROZEN, user, token, Instant.now(), status.snapshot()), counters);
    }

    /** OPERATIONAL as {@value DataBuffer#DEFAULT_USER}, since now, no snapshot under way. */
    void reopen(BufferStats counters) throws IOException {
        change(opened(), counters);
    }

    /** Records {@code name} as the snapshot under way. */
    void startSnapshot(String name, BufferStats counters) throws IOException {
        change(status.withSnapshot(name), counters);
    }

    /** Records {@code name} (or null: none) as the snapshot under way in memory only; the next save keeps it. */
    void noteSnapshot(String name) {
        status = status.withSnapshot(name);
    }

    /** Saves the current status with {@code counters}. */
    void save(BufferStats counters) throws IOException {
        write(status, counters);
    }

    private void change(Status s, BufferStats counters) throws IOException {
        write(s, counters);
        status = s;
    }

    private void write(Status s, BufferStats counters) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dstatus", s.state().name());
        m.put("user", s.user());
        m.put("token", s.token());
        m.put("since", s.since().toString());
        m.put("n_itm", counters.files());
        m.put("buff_size", counters.bytes());
        m.put("snapshot", s.snapshot());
        DurableFiles.writeAtomically(file, JSON.writeValueAsBytes(m));
    }
}
