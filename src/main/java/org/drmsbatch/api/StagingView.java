package org.drmsbatch.api;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.drmsbatch.staging.StagingFile;
import org.drmsbatch.staging.StagingRequest;

/**
 * A staging request as the native API ({@code /api/staging}) shows it.
 *
 * @param id          the request's id (its token): what {@code GET/DELETE /api/staging/{id}} and {@code drms stage}
 *                    take
 * @param kind        who asked: {@code drms} (this API, {@code drms stage}), {@code mwa}, {@code wlcg}
 * @param state       {@code active} (files waiting), {@code completed} (every file ready or in error, a callback
 *                    due), {@code notified} (done, callback delivered or none), {@code expired}, {@code cancelled}
 * @param ended       whether the request is over (any state but active)
 * @param query       the record-set query it named, if it named one
 * @param notify_url  where its result is posted, if anywhere
 * @param completed   when it completed, expired or was cancelled
 * @param total       files in all; {@code ready + error + waiting + cancelled}
 * @param percent     the share of the files no longer waiting, 0 to 100
 * @param return_code MWA's return code once ended: 0 every file ready, 5 some in error, 10 timed out
 * @param comment     what the return code means, in MWA's words
 * @param files       the files, only when asked for ({@code ?files=true})
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StagingView(String id, String kind, String state, boolean ended, String query, String notify_url,
                          Instant created, Instant expires, Instant completed, int total, int ready, int error,
                          int waiting, int cancelled, int percent, Integer return_code, String comment,
                          List<File> files) {

    /** A file of the request: its path (or {@code D<sunum>} for a unit), unit, state, why in error, and when. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record File(String path, Long sunum, String state, String reason, Instant started, Instant finished) {
    }

    static StagingView of(StagingRequest r, List<StagingFile> files) {
        return new StagingView(r.token(), r.kind(), r.state(), r.ended(), r.query(), r.notifyUrl(), r.created(),
                r.expires(), r.completedAt(), r.totalFiles(), r.readyFiles(), r.errorFiles(), r.waitingFiles(),
                r.cancelledFiles(), r.percentDone(), r.returnCode(), r.comment(),
                files == null ? null : files.stream().map(f -> new File(f.path(), f.sunum(), f.state(), f.reason(),
                        f.startedAt(), f.finishedAt())).toList());
    }
}
