package org.drmsbatch.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The JSON of MWA's staging contract (specs staging-and-buffer.md A.3, {@code staged_models.py}): what
 * {@link MwaStagingController} reads and answers, with MWA's member names.
 */
public final class MwaStaging {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private MwaStaging() {
    }

    /**
     * A new job ({@code POST /staging}): the caller's job id, where the result goes, and the files (SUMS or download
     * paths) or, where MWA has {@code obs}, a record-set query. Non-empty {@code files} win over the query.
     */
    public record NewJob(long jobId, String notifyUrl, List<String> files, String query) {

        static final String SHAPE = "{\"job_id\": int, \"notify_url\": str, \"files\": [str], \"query\": str}";

        /** Reads a body; what is wrong with it is a {@link BadRequestException} saying what and where. */
        static NewJob parse(byte[] body) {
            JsonNode n = object(body, SHAPE);
            JsonNode id = n.get("job_id");
            if (id == null || id.isNull()) {
                throw new BadRequestException("job_id is required (an integer); expected " + SHAPE);
            }
            if (!id.isIntegralNumber()) {
                throw new BadRequestException("job_id must be an integer, not " + shown(id));
            }
            if (!id.canConvertToLong()) {
                throw new BadRequestException("job_id is out of range (a 64-bit integer)");
            }
            long jobId = id.longValue();
            JsonNode url = n.get("notify_url");
            if (url == null || url.isNull()) {
                throw new BadRequestException("notify_url is required (a URL to post the job's result to)");
            }
            if (!url.isString()) {
                throw new BadRequestException("notify_url must be a string, not " + shown(url));
            }
            List<String> files = strings(n, "files");
            JsonNode q = n.get("query");
            String query = null;
            if (q != null && !q.isNull()) {
                if (!q.isString()) {
                    throw new BadRequestException("query must be a string (a record-set query), not " + shown(q));
                }
                query = q.asString().isBlank() ? null : q.asString();
            }
            if (files.isEmpty() && query == null) {
                JsonNode obs = n.get("obs");
                if (obs != null && !obs.isNull()) {
                    throw new BadRequestException("Error for job " + jobId + ": obs is not supported here; name the"
                            + " records to stage with a record-set query in query, or list the files");
                }
                throw new BadRequestException("Error for job " + jobId
                        + ": Must specify either a record-set query, or a list of files");
            }
            return new NewJob(jobId, url.asString(), files, files.isEmpty() ? query : null);
        }
    }

    /** {@code POST /filestatus}'s body: {@code {"files": [str]}}. */
    static List<String> fileStatusFiles(byte[] body) {
        String shape = "{\"files\": [str]}";
        JsonNode n = object(body, shape);
        if (n.get("files") == null || n.get("files").isNull()) {
            throw new BadRequestException("files is required; expected " + shape);
        }
        return strings(n, "files");
    }

    /**
     * A job's state ({@code GET /staging}, {@code GET /get_failed_job}): times are integer epoch seconds;
     * {@code files} maps each path to {@code [ready, error, readytime]} (readytime null while it waits).
     */
    public record JobStatus(long job_id, long created, boolean completed, int total_files, int ready_files,
                            int error_files, long last_readytime, Map<String, List<Object>> files) {
    }

    /**
     * {@code GET /get_stats}: the monitor's heartbeat, the request and file counts, and the disk cache in Scout's
     * terms (see {@link org.drmsbatch.staging.StagingService.DiskCache}).
     */
    public record GlobalStatistics(Long kafkad_heartbeat, boolean kafka_alive, Long last_message, long completed_jobs,
                                   long incomplete_jobs, long ready_files, long error_files, long waiting_files,
                                   long availdatasz, int health, String healthstatus, long releaseable,
                                   long nonreleaseable, long pending, long totdatasz) {
    }

    /** {@code GET /get_joblist}, {@code GET /get_failed_joblist}: job id (as text) to its tuple. */
    public record JobList(Map<String, List<Object>> jobs) {
    }

    /** Every error on these paths: {@code {"errormsg": "…"}}. */
    public record ErrorResult(String errormsg) {
    }

    private static JsonNode object(byte[] body, String shape) {
        if (body == null || body.length == 0) {
            throw new BadRequestException("the body is empty; expected a JSON object " + shape);
        }
        JsonNode n;
        try {
            n = JSON.readTree(body);
        } catch (JacksonException e) {
            throw new BadRequestException("the body is not JSON: "
                    + e.getOriginalMessage().lines().findFirst().orElse("") + location(e) + "; expected " + shape);
        }
        if (n == null || !n.isObject()) {
            throw new BadRequestException("the body must be a JSON object " + shape + ", not "
                    + (n == null ? "nothing" : shown(n)));
        }
        return n;
    }

    private static String location(JacksonException e) {
        return e.getLocation() == null || e.getLocation().getLineNr() < 1 ? ""
                : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
    }

    /** A member that is a list of strings; absent or null: empty. */
    private static List<String> strings(JsonNode n, String member) {
        JsonNode a = n.get(member);
        if (a == null || a.isNull()) {
            return List.of();
        }
        if (!a.isArray()) {
            throw new BadRequestException(member + " must be a list of strings, not " + shown(a));
        }
        List<String> out = new ArrayList<>(a.size());
        for (int i = 0; i < a.size(); i++) {
            JsonNode e = a.get(i);
            if (!e.isString()) {
                throw new BadRequestException(member + "[" + i + "] must be a string, not " + shown(e));
            }
            out.add(e.asString());
        }
        return out;
    }

    /** A JSON value's type in words (never the value itself, which may be long). */
    private static String shown(JsonNode n) {
        if (n.isString()) {
            return "a string";
        }
        if (n.isNumber()) {
            return n.isIntegralNumber() ? "an integer" : "a number with a fraction";
        }
        if (n.isBoolean()) {
            return "a boolean";
        }
        if (n.isArray()) {
            return "a list";
        }
        if (n.isObject()) {
            return "an object";
        }
        return "null";
    }
}
