package org.drmsbatch.api;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.drmsbatch.export.ExportCleanup;
import org.drmsbatch.export.ExportRoot;
import org.drmsbatch.schedules.JobRun;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code op=exp_status}: what became of an export request, from the latest run of its export job: queued,
 * processing, failed or stopped, or, once it completed, its {@code index.json} with paths as the client downloads
 * them (JSOC's status codes, see {@link JsocExport}).
 */
@Component
public class ExportStatus {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern EXCEPTION_CLASS = Pattern.compile("^(?:[\\w$]+\\.)+[\\w$]*(?:Exception|Error): ?");
    private static final int REMEMBERED = 10_000;

    private final ExportRequestIds requestIds;
    private final DownloadArea downloads;
    private final String contact;
    /** The end of a deleted export's answer: JSOC's "7 day limit exceeded", with drms.export.retention. */
    private final String limit;
    /**
     * Record counts and sizes (MB) of requests made by this process, for the answers while they run; the oldest
     * are forgotten past {@value #REMEMBERED} (a request nobody polls after its end is never removed otherwise).
     */
    private final Map<String, long[]> counts = Collections.synchronizedMap(new LinkedHashMap<String, long[]>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, long[]> eldest) {
            return size() > REMEMBERED;
        }
    });

    public ExportStatus(ExportRequestIds requestIds, DownloadArea downloads,
            @Value("${drms.export.contact:}") String contact, @Value("${drms.export.retention:7d}") String retention) {
        this.requestIds = requestIds;
        this.downloads = downloads;
        this.contact = contact == null ? "" : contact.trim();
        String kept;
        try {
            kept = ExportCleanup.describe(ExportCleanup.parseRetention("drms.export.retention", retention));
        } catch (IllegalArgumentException e) {
            kept = "retention"; // the export-cleanup job refuses to start with it, saying why
        }
        this.limit = kept + " limit exceeded";
    }

    /** Remembers a request's record count and size for the answers while its export runs. */
    void remember(String requestId, long records, long sizeMb) {
        counts.put(requestId, new long[] {records, sizeMb});
    }

    /** The answer: see the class comment. */
    Object of(String requestId) {
        if (requestId == null || requestId.isBlank()) {
            throw new JsocExport.Refusal(JsocExport.ERROR, "RequestID must be provided");
        }
        String id = requestId.trim();
        if (!ExportRoot.REQUEST_ID.matcher(id).matches()) { // JSOC_<yyyymmdd>_<n>, or a name given to drms run
            throw new JsocExport.Refusal(JsocExport.ERROR, "Bad RequestID '" + id + "' provided.");
        }
        Optional<JobRun> latest = requestIds.latestRun(id);
        if (latest.isEmpty()) {
            throw new JsocExport.Refusal(JsocExport.NOT_FOUND, "Cant locate export request: " + id); // sic, JSOC's text
        }
        JobRun run = latest.get();
        if (run.ended()) {
            counts.remove(id); // only asked for while it runs
        }
        return switch (run.status()) {
            case "STARTING" -> pending(JsocExport.QUEUED, id, run, null);
            case "STARTED", "STOPPING" -> pending(JsocExport.PROCESSING, id, run, null);
            case "COMPLETED" -> completed(id, run);
            case "STOPPED" -> pending(JsocExport.ERROR, id, run, "Export request " + id + " was stopped (job execution "
                    + run.executionId() + "); restart that execution to finish it");
            default -> pending(JsocExport.ERROR, id, run, failure(run));
        };
    }

    private Map<String, Object> pending(int status, String id, JobRun run, String error) {
        long[] c = counts.getOrDefault(id, new long[] {0, 0});
        return JsocExport.pending(status, id, method(run), protocol(run), c[0], c[1], error, contact);
    }

    private static String method(JobRun run) {
        return run.parameters().getOrDefault("method", "url");
    }

    private static String protocol(JobRun run) {
        return run.parameters().getOrDefault("protocol", "as-is");
    }

    /** The reason a run failed: the first line of its exit description without the exception's class name. */
    private static String failure(JobRun run) {
        String d = run.exitDescription() == null ? "" : run.exitDescription().strip();
        String first = d.lines().findFirst().orElse("").strip();
        Matcher m = EXCEPTION_CLASS.matcher(first);
        String reason = m.lookingAt() ? first.substring(m.end()) : first;
        return reason.isEmpty() ? "The export failed (job execution " + run.executionId() + ", " + run.status() + ")"
                : reason;
    }

    /**
     * A completed export: its index.json, or status 5 when its directory is gone (removed by the export-cleanup job
     * once {@code drms.export.retention} passed, as JSOC deletes an export after 7 days), 4 when its index is.
     */
    private Object completed(String id, JobRun run) {
        Path dir = downloads.exportDirectory().resolve(id);
        if (!Files.isDirectory(dir)) {
            return pending(JsocExport.DELETED, id, run, "Request was completed but is now deleted, " + limit);
        }
        Path index = dir.resolve("index.json");
        JsonNode node;
        try {
            node = JSON.readTree(index.toFile());
        } catch (RuntimeException e) {
            if (!Files.exists(index)) {
                return pending(JsocExport.ERROR, id, run, "Export should be complete but return index.json file not found");
            }
            return pending(JsocExport.ERROR, id, run, "The export's index.json cannot be read: " + e.getMessage());
        }
        if (!(node instanceof ObjectNode o)) {
            return pending(JsocExport.ERROR, id, run, "The export's index.json is not a JSON object");
        }
        // paths as the client downloads them: relative to the download base URL
        String dirPath = downloads.exportPath(id);
        o.put("dir", dirPath);
        if (o.hasNonNull("tarfile") && !o.get("tarfile").asString().isBlank()) {
            o.put("tarfile", dirPath + "/" + baseName(o.get("tarfile").asString()));
        }
        if (o.hasNonNull("keywords") && o.get("keywords").asString().contains("/")) {
            o.put("keywords", dirPath + "/" + baseName(o.get("keywords").asString()));
        }
        if (o.get("data") instanceof ArrayNode data) {
            for (JsonNode item : data) {
                if (item instanceof ObjectNode f && f.hasNonNull("filename")) {
                    String name = f.get("filename").asString();
                    if (name.startsWith("/")) {
                        Path p = Path.of(name).toAbsolutePath().normalize();
                        f.put("filename", p.startsWith(dir) ? dir.relativize(p).toString() : baseName(name));
                    }
                }
            }
        }
        if (!o.has("status")) {
            o.put("status", JsocExport.DONE);
        }
        if (!o.hasNonNull("requestid")) {
            o.put("requestid", id);
        }
        if (!o.hasNonNull("method")) {
            o.put("method", method(run));
        }
        if (!o.hasNonNull("protocol")) {
            o.put("protocol", protocol(run));
        }
        if (!o.has("wait")) {
            o.put("wait", 0);
        }
        return o;
    }

    private static String baseName(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? path : path.substring(slash + 1);
    }
}
