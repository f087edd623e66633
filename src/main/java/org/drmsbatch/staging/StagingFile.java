package org.drmsbatch.staging;

import java.time.Instant;

/**
 * A file of a staging request.
 *
 * @param path       as the client named it
 * @param sunum      its storage unit (null: the path names none)
 * @param state      waiting, ready, error, cancelled
 * @param reason     why it is in error
 * @param startedAt  when a stage job was first asked for its unit (null: not yet)
 * @param finishedAt when it became ready, in error or cancelled
 * @param released   the client released it (WLCG)
 */
public record StagingFile(String path, Long sunum, String state, String reason, Instant startedAt,
                          Instant finishedAt, boolean released) {
}
