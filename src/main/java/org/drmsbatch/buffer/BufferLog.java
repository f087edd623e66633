package org.drmsbatch.buffer;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The buffer's log, {@code log.jsonl}: one JSON line per store, freeze, reopen, snapshot, rejection and recovery
 * (glitchflow's log stream, with an {@code event} field), appended and forced to disk.
 */
final class BufferLog implements AutoCloseable {

    static final String LOG = "log.jsonl";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Path file;
    private final FileChannel channel;
    /** Bytes appended (guarded by the channel), and bytes known to be on disk. */
    private long written;
    private volatile long forced;
    private final Object forcing = new Object();

    BufferLog(Path bufferDirectory) throws IOException {
        this.file = bufferDirectory.resolve(LOG);
        this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
    }

    /** A new line for {@code event}: level, id (always 0, as glitchflow writes), event, time and message. */
    static Map<String, Object> line(String event, String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("level", "info");
        m.put("id", 0);
        m.put("event", event);
        m.put("time", Instant.now().toString());
        m.put("message", message);
        return m;
    }

    /**
     * Appends one JSON line and forces it to disk before returning. A torn last line (a crash mid-write) is skipped
     * by readers. Lines appended by several threads at once share a force (a group commit): a thread whose line an
     * other thread's force already covered returns without forcing again.
     */
    void append(Map<String, Object> line) throws IOException {
        byte[] bytes = (JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8);
        long end;
        synchronized (channel) {
            DurableFiles.write(channel, bytes);
            end = written += bytes.length;
        }
        if (forced >= end) {
            return;
        }
        synchronized (forcing) {
            if (forced >= end) {
                return;
            }
            long upTo;
            synchronized (channel) {
                upTo = written;
            }
            channel.force(false);
            forced = upTo;
        }
    }

    /** The log lines, oldest first, each a JSON object. */
    List<JsonNode> entries() throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!l.isBlank()) {
                try {
                    out.add(JSON.readTree(l));
                } catch (RuntimeException e) {
                    // a line torn by a crash: skip it
                }
            }
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
