package org.drmsbatch.api;

import java.util.List;
import java.util.Map;

import io.swagger.v3.oas.annotations.media.Schema;

/**
 * The JSON shapes of the API's requests and answers that the controllers read or write as maps or raw bodies (the
 * glitchflow, MWA, WLCG and JSOC contracts keep their original member names), written down for the OpenAPI document
 * ({@link ApiDocumentation}) only: no controller builds them. Each names its members as they are on the wire.
 */
public final class ApiShapes {

    private ApiShapes() {
    }

    // ---- jobs ----

    @Schema(name = "JobNames", description = "The job names")
    public record JobNames(List<String> jobs) {
    }

    @Schema(name = "JobParameters", description = "Job parameters: name to value, a string in Spring Batch's "
            + "notation value[,type[,identifying]], a number or a boolean (not a list or an object)",
            example = "{\"ds\": \"demo.images[2010.05.01_TAI/1h]\", \"out\": \"demo.scaled\", \"alpha\": 2.5}")
    public record JobParameters() {
    }

    // ---- glitchflow buffer ----

    @Schema(name = "BufferStats", description = "The buffer's file and byte counts")
    public record BufferStats(@Schema(description = "files in the buffer") long n_itm,
            @Schema(description = "their bytes") long buff_size) {
    }

    @Schema(name = "BufferFiles", description = "The buffered files' names, in arrival order")
    public record BufferFiles(@Schema(example = "[\"gwb1733450000.000000.json\"]") List<String> nmlist) {
    }

    @Schema(name = "BufferState", description = "The buffer's state")
    public record BufferState(@Schema(allowableValues = {"OPERATIONAL", "FROZEN"}) String resp) {
    }

    @Schema(name = "TrainRequest", description = "A training request; user and token are taken as credentials when "
            + "the request has none (the API token, or a drms user's password)")
    public record TrainRequest(@Schema(requiredMode = Schema.RequiredMode.REQUIRED) String user,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED) String token) {
    }

    @Schema(name = "TrainAnswer", description = "FROZEN (with the counts) when the bytes reached drms.buffer.max-size "
            + "and the buffer froze, else WAITING")
    public record TrainAnswer(@Schema(allowableValues = {"FROZEN", "WAITING"}) String resp,
            @Schema(description = "files, when FROZEN") Long n_f,
            @Schema(description = "bytes, when FROZEN") Long bt_wrt) {
    }

    @Schema(name = "Chunk", description = "A chunk of strain: the samples and [t0, dt]")
    public record Chunk(@Schema(requiredMode = Schema.RequiredMode.REQUIRED) List<Double> h,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "[1733450000.0, 0.000244140625]")
            List<Double> t) {
    }

    @Schema(name = "StreamAnswer", description = "CREATED with the Go buffer's answer as a JSON text, or FROZEN "
            + "(\"Datastore frozen.\") while frozen: nothing stored")
    public record StreamAnswer(@Schema(allowableValues = {"CREATED", "FROZEN"}) String resp, String body) {
    }

    @Schema(name = "CleanAnswer", description = "CLEANED with the snapshot's name, or FS ERR when the snapshot job "
            + "failed (restart it through the job API); execution is the snapshot job's execution id")
    public record CleanAnswer(@Schema(allowableValues = {"CLEANED", "FS ERR"}) String resp, String body,
            String snapshot, long execution) {
    }

    // ---- native staging ----

    @Schema(name = "StagingRequestBody", description = "Exactly one of sunum, ds or paths; notify_url optional")
    public record StagingRequestBody(@Schema(description = "storage unit numbers") List<Long> sunum,
            @Schema(description = "a record-set query", example = "demo.images[2010.05.01_TAI/1h]") String ds,
            @Schema(description = "SUMS or download paths") List<String> paths,
            @Schema(description = "posted the request's result when it ends (drms.staging.callback-hosts)")
            String notify_url) {
    }

    // ---- tape uploads ----

    @Schema(name = "TapeFile", description = "A tape file kept here for another site")
    public record TapeFile(long sunum,
            @Schema(description = "the URL path it is downloaded from and staged by (WLCG)") String path,
            @Schema(description = "MD5, hex") String md5, long bytes, String volume, String name,
            Integer fileNumber, boolean online) {
    }

    // ---- MWA staging ----

    @Schema(name = "MwaNewJob", description = "A staging job: files (SUMS or download paths) or a record-set query "
            + "(where MWA has obs); non-empty files win over the query")
    public record MwaNewJob(@Schema(requiredMode = Schema.RequiredMode.REQUIRED) long job_id,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, description = "where the result is posted "
                    + "(drms.staging.callback-hosts)") String notify_url,
            List<String> files, String query) {
    }

    @Schema(name = "MwaFiles", description = "Paths to look up")
    public record MwaFiles(@Schema(requiredMode = Schema.RequiredMode.REQUIRED) List<String> files) {
    }

    // ---- WLCG Tape REST ----

    @Schema(name = "WlcgDiscovery", description = "This site and its one v1 endpoint")
    public record WlcgDiscovery(String sitename, String description, List<WlcgEndpoint> endpoints) {
    }

    @Schema(name = "WlcgEndpoint")
    public record WlcgEndpoint(@Schema(example = "https://host:8443/api/tape/v1") String uri,
            @Schema(example = "v1") String version, Map<String, Object> metadata) {
    }

    @Schema(name = "WlcgStageRequest", description = "Files to bring to disk (at most 100 000)")
    public record WlcgStageRequest(@Schema(requiredMode = Schema.RequiredMode.REQUIRED) List<WlcgStageFile> files) {
    }

    @Schema(name = "WlcgStageFile")
    public record WlcgStageFile(@Schema(requiredMode = Schema.RequiredMode.REQUIRED,
            example = "/download/sums/SUM0/D12/S00000/image.fits") String path,
            @Schema(description = "ISO-8601 duration, at most drms.staging.max-disk-lifetime", example = "PT1H")
            String diskLifetime,
            @Schema(description = "for whichever site it names; never refused") Map<String, Object> targetedMetadata) {
    }

    @Schema(name = "WlcgStageCreated")
    public record WlcgStageCreated(String requestId) {
    }

    @Schema(name = "WlcgPaths", description = "A non-empty list of paths")
    public record WlcgPaths(@Schema(requiredMode = Schema.RequiredMode.REQUIRED) List<String> paths) {
    }

    // ---- JSOC ----

    @Schema(name = "JsocAnswer", description = "JSOC's JSON, always with HTTP 200: status 0 is success; otherwise "
            + "error says why (jsoc_fetch: 1 processing, 2 queued, 3 too large, 4 error, 5 deleted, 6 unknown "
            + "request). The other members are those of JSOC's answer to the op", additionalProperties =
            Schema.AdditionalPropertiesValue.TRUE)
    public record JsocAnswer(int status, String error) {
    }
}
