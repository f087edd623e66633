package org.drmsbatch.staging;

import java.time.Instant;

/**
 * A staging request as stored, with its files counted.
 *
 * @param id            the database id
 * @param token         the id WLCG and drms clients use (a UUID)
 * @param kind          {@code mwa}, {@code wlcg} or {@code drms}
 * @param jobId         the MWA caller's job id (null for the others)
 * @param notifyUrl     where the MWA result is posted (null: no callback)
 * @param query         the record-set query the request named (null: it named files)
 * @param state         active, completed, notified, expired, cancelled
 * @param returnCode    the MWA return code, once completed or expired
 * @param comment       the MWA comment that goes with it
 * @param lastReady     the latest time a file became ready (null: none yet)
 * @param lastFinished  the latest time a file became ready or failed (null: none yet)
 */
public record StagingRequest(long id, String token, String kind, Long jobId, String notifyUrl, String query,
                             Instant created, Instant expires, String state, Instant completedAt, Integer returnCode,
                             String comment, int callbackAttempts, Instant callbackNext, String callbackError,
                             Instant notifiedAt, int totalFiles, int readyFiles, int errorFiles, int cancelledFiles,
                             Instant lastReady, Instant lastFinished) {

    /** Files neither ready, in error nor cancelled. */
    public int waitingFiles() {
        return totalFiles - readyFiles - errorFiles - cancelledFiles;
    }

    /** Whether every file is ready or in error (or cancelled). */
    public boolean done() {
        return waitingFiles() == 0;
    }

    /** The share of the files no longer waiting (ready, in error or cancelled), 0 to 100, rounded down. */
    public int percentDone() {
        return totalFiles == 0 ? 100 : (int) ((totalFiles - waitingFiles()) * 100L / totalFiles);
    }

    /** Whether the request is over: completed, notified, expired or cancelled (any state but active). */
    public boolean ended() {
        return !state.equals("active");
    }

    /** Whether the request is still being worked on or reported: active or completed. */
    public boolean live() {
        return state.equals("active") || state.equals("completed");
    }
}
