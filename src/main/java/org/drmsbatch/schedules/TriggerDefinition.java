package org.drmsbatch.schedules;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * One trigger of {@code drms.triggers.<name>}: what starts a job on its own in {@code drms serve}.
 *
 * @param type       {@code directory} (the default when {@code directory} is set): start {@code job} when complete
 *                   files arrive in {@code directory}; {@code buffer-freeze}: when the data buffer freezes, run
 *                   {@code collect} then {@code snapshot}
 * @param directory  the watched inbox (directory triggers)
 * @param job        the job (or pipeline) started (directory triggers; default {@code ingest})
 * @param parameters the job's parameters (for {@code ingest}, {@code inbox} defaults to the directory; for a
 *                   buffer-freeze trigger, collect's)
 * @param interval   how often the directory or the buffer is looked at (default 1s)
 */
public record TriggerDefinition(String type, Path directory, String job, Map<String, String> parameters,
                                Duration interval) {

    public static final String DIRECTORY = "directory";
    public static final String BUFFER_FREEZE = "buffer-freeze";

    public TriggerDefinition {
        if (type == null || type.isBlank()) {
            type = directory != null ? DIRECTORY : null;
        }
        parameters = parameters == null ? Map.of() : Map.copyOf(parameters);
        interval = interval == null ? Duration.ofSeconds(1) : interval;
        if (job == null || job.isBlank()) {
            job = DIRECTORY.equals(type) ? "ingest" : null;
        }
    }

    /** Fails naming the trigger and the setting when the definition cannot work. */
    void check(String name) {
        String where = "drms.triggers." + name;
        if (type == null) {
            throw new IllegalArgumentException(where + ": set type (directory or buffer-freeze) or directory");
        }
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException(where + ".interval: must be positive, not " + interval);
        }
        switch (type) {
            case DIRECTORY -> {
                if (directory == null) {
                    throw new IllegalArgumentException(where + ".directory: a directory trigger needs the inbox");
                }
            }
            case BUFFER_FREEZE -> {
            }
            default -> throw new IllegalArgumentException(where + ".type: '" + type
                    + "' is not directory or buffer-freeze");
        }
    }
}
