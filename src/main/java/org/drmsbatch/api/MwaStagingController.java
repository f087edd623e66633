package org.drmsbatch.api;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import jakarta.servlet.http.HttpServletRequest;
import org.drmsbatch.drms.query.RecordSets;
import org.drmsbatch.staging.CallbackTarget;
import org.drmsbatch.staging.FailureReport;
import org.drmsbatch.staging.StagingFile;
import org.drmsbatch.staging.StagingRequest;
import org.drmsbatch.staging.StagingService;
import org.drmsbatch.staging.StagingStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * MWA's staging service ({@code staged}, specs staging-and-buffer.md A.3) over our staging requests: the same paths
 * (each with and without a trailing slash), bodies and codes, so an ASVO-like client works unchanged. Where MWA has
 * {@code obs} a job names a record-set query ({@code query}); files are SUMS or download paths
 * ({@code /download/sums/SUM0/D12/S00000/image.fits}). A job is stored with its files before the 202 answer.
 * Every error is {@code {"errormsg": "…"}} ({@link MwaStagingErrors}). Reads are open as the other reads are;
 * POST and DELETE need the role operate.
 */
@RestController
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@Tag(name = "MWA staging", description = "MWA's staging service (staged): the same paths, each also with a trailing "
        + "slash, bodies and codes; every error is {\"errormsg\": …}")
public class MwaStagingController {

    private static final Logger log = LoggerFactory.getLogger(MwaStagingController.class);

    /** The largest body taken (MWA's NGINX takes 100 MB; a list of 300 000 paths fits in this). */
    static final long MAX_BODY = 32L * 1024 * 1024;

    private static final String KIND = "mwa";

    /** The paths served here (each also with a trailing slash). */
    static final Set<String> PATHS = Set.of("/staging", "/ping", "/get_stats", "/get_joblist", "/get_failed_joblist",
            "/get_failed_job", "/filestatus");

    /** Whether a request path (without the context path) is one of MWA's, whose errors are {@code errormsg}. */
    public static boolean serves(String path) {
        String p = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        return PATHS.contains(p);
    }

    private final StagingService staging;
    private final RecordSets recordSets;

    public MwaStagingController(StagingService staging, RecordSets recordSets) {
        this.staging = staging;
        this.recordSets = recordSets;
    }

    /** A job id with no job (or no report) behind it: 404. */
    static final class NotFound extends RuntimeException {
        NotFound(String message) {
            super(message);
        }
    }

    /** MWA's answer {@code null} with a status. */
    private static ResponseEntity<String> nothing(HttpStatus status) {
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body("null");
    }

    /**
     * A new job: 202 {@code null} once it is stored (with its files and pins); 403 when its job id names a live job;
     * 400 for a body that is not a NewJob, neither files nor query, a query that does not parse, a notify_url off the
     * allow-list. A query is resolved at once to its records' storage units (one file {@code D<sunum>} each); one
     * that finds no record makes a job of no files, answered by callback with return code 101.
     */
    @PostMapping(path = {"/staging", "/staging/"})
    @Operation(summary = "Submit a staging job", description = "Stored with its files and pins before the answer. "
            + "A query is resolved at once to its records' storage units; one that finds none makes a job of no "
            + "files, answered by callback with return code 101.",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
                    content = @Content(schema = @Schema(implementation = ApiShapes.MwaNewJob.class))))
    @ApiResponse(responseCode = "202", description = "Taken: null",
            content = @Content(schema = @Schema(type = "null")))
    @ApiResponse(responseCode = "400", description = "Not a NewJob, neither files nor query, a query that does not "
            + "parse, a notify_url off the allow-list (drms.staging.callback-hosts)")
    @ApiResponse(responseCode = "403", description = "The job id names a live job, or the credentials' roles do "
            + "not include operate")
    public ResponseEntity<String> newJob(HttpServletRequest request) throws IOException {
        MwaStaging.NewJob job = MwaStaging.NewJob.parse(readBody(request));
        CallbackTarget.check(job.notifyUrl(), staging.settings().callbackHosts());
        List<StagingStore.FileRef> files = job.query() == null ? StagingService.files(job.files())
                : StagingService.queryFiles(recordSets, job.query());
        staging.submit(new StagingStore.NewRequest(KIND, job.jobId(), job.notifyUrl().trim(), job.query(), files));
        return nothing(HttpStatus.ACCEPTED);
    }

    /**
     * A job's state, the latest job with this id (live or ended; a cancelled one is gone): its files only with
     * {@code include_files=true}, and then {@code last_readytime} over every finished file, else over the ready ones.
     */
    @GetMapping(path = {"/staging", "/staging/"}, produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "A staging job's state", description = "The latest job of this id; its files (path to "
            + "[ready, error, readytime]) only with include_files=true.")
    @ApiResponse(responseCode = "200", description = "OK")
    @ApiResponse(responseCode = "404", description = "No (uncancelled) job of this id")
    public MwaStaging.JobStatus status(@RequestParam(name = "job_id", required = false) String jobId,
            @RequestParam(name = "include_files", required = false) String includeFiles) {
        long id = jobId(jobId);
        boolean files = bool("include_files", includeFiles);
        StagingRequest r = job(id);
        Map<String, List<Object>> byPath = new LinkedHashMap<>();
        if (files) {
            for (StagingFile f : staging.store().files(r.id())) {
                boolean ready = f.state().equals("ready");
                boolean error = f.state().equals("error");
                Long readytime = (ready || error) && f.finishedAt() != null ? f.finishedAt().getEpochSecond() : null;
                List<Object> t = new ArrayList<>(3);
                t.add(ready);
                t.add(error);
                t.add(readytime);
                byPath.put(f.path(), t);
            }
        }
        Instant last = files ? r.lastFinished() : r.lastReady();
        return new MwaStaging.JobStatus(id, r.created().getEpochSecond(), completed(r), r.totalFiles(),
                r.readyFiles(), r.errorFiles(), last == null ? 0 : last.getEpochSecond(), byPath);
    }

    /**
     * Cancels a job: its waiting files are cancelled (a unit no other request waits for is no longer asked of the
     * tape), its pins go, and it gets no callback. 200 {@code null}; 404 for an unknown (or cancelled) job id.
     */
    @DeleteMapping(path = {"/staging", "/staging/"})
    @Operation(summary = "Cancel a staging job", description = "Its waiting files are cancelled, its pins go, and "
            + "it gets no callback.")
    @ApiResponse(responseCode = "200", description = "Cancelled: null",
            content = @Content(schema = @Schema(type = "null")))
    @ApiResponse(responseCode = "404", description = "No (uncancelled) job of this id")
    public ResponseEntity<String> cancel(@RequestParam(name = "job_id", required = false) String jobId) {
        long id = jobId(jobId);
        StagingRequest r = job(id);
        staging.store().cancel(r.id(), null);
        log.info("Staging job {} (request {}) cancelled", id, r.token());
        return nothing(HttpStatus.OK);
    }

    @GetMapping(path = {"/ping", "/ping/"})
    @Operation(summary = "Whether the service answers")
    @ApiResponse(responseCode = "200", description = "null", content = @Content(schema = @Schema(type = "null")))
    public ResponseEntity<String> ping() {
        return nothing(HttpStatus.OK);
    }

    /**
     * The service's state: the monitor's last turn in this process ({@code kafkad_heartbeat}, epoch; null before
     * the first) and whether it is alive, when a file last became ready or failed ({@code last_message}), the counts
     * over the live requests of every kind, and the disk cache in Scout's terms.
     */
    @GetMapping(path = {"/get_stats", "/get_stats/"}, produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "The service's state: heartbeat, job and file counts, the disk cache")
    public MwaStaging.GlobalStatistics stats() {
        StagingStore.Stats s = staging.store().stats();
        StagingService.Heartbeat h = staging.heartbeat();
        Instant last = staging.store().lastFinished();
        StagingService.DiskCache d = staging.diskCache();
        return new MwaStaging.GlobalStatistics(epoch(h.lastTurn()), h.alive(), epoch(last), s.completedJobs(),
                s.incompleteJobs(), s.readyFiles(), s.errorFiles(), s.waitingFiles(), d.availableBytes(), d.health(),
                d.healthStatus(), d.releasableBytes(), d.nonReleasableBytes(), s.waitingFiles(), d.totalBytes());
    }

    /**
     * The live jobs, by job id: {@code [job_id, created, staged_files, total_files, completed, last_readytime,
     * error_files, one file's path]}.
     */
    @GetMapping(path = {"/get_joblist", "/get_joblist/"}, produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "The live jobs, by job id", description = "[job_id, created, staged_files, total_files, "
            + "completed, last_readytime, error_files, one file's path]")
    public MwaStaging.JobList jobList() {
        List<StagingRequest> live = new ArrayList<>(staging.store().requests(KIND, true, Integer.MAX_VALUE));
        live.sort(Comparator.comparing(StagingRequest::jobId));
        Map<Long, String> samples = staging.store().samplePaths(live.stream().map(StagingRequest::id).toList());
        Map<String, List<Object>> jobs = new LinkedHashMap<>();
        for (StagingRequest r : live) {
            jobs.put(Long.toString(r.jobId()), List.of(r.jobId(), r.created().getEpochSecond(), r.readyFiles(),
                    r.totalFiles(), completed(r), r.lastReady() == null ? 0 : r.lastReady().getEpochSecond(),
                    r.errorFiles(), samples.getOrDefault(r.id(), "")));
        }
        return new MwaStaging.JobList(jobs);
    }

    /** The jobs with a failure report kept (newest per job id): {@code [job_id, report time, 0, 0, 0, 0, 0]}. */
    @GetMapping(path = {"/get_failed_joblist", "/get_failed_joblist/"}, produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "The jobs with a failure report kept", description = "[job_id, report time, 0, 0, 0, 0, 0]")
    public MwaStaging.JobList failedJobList() {
        Map<String, List<Object>> jobs = new LinkedHashMap<>();
        for (StagingService.Report r : staging.reports()) {
            if (r.jobId() != null) {
                jobs.putIfAbsent(Long.toString(r.jobId()),
                        List.of(r.jobId(), r.created().getEpochSecond(), 0, 0, 0, 0, 0));
            }
        }
        return new MwaStaging.JobList(jobs);
    }

    /**
     * A failed job as its report tells it (MWA's reading of the report file): created 0, not completed, the
     * report's total, no ready file, every listed file in error at the report's time.
     */
    @GetMapping(path = {"/get_failed_job", "/get_failed_job/"}, produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "A failed job as its failure report tells it")
    @ApiResponse(responseCode = "200", description = "OK")
    @ApiResponse(responseCode = "404", description = "No failure report for this job id")
    public MwaStaging.JobStatus failedJob(@RequestParam(name = "job_id", required = false) String jobId) {
        long id = jobId(jobId);
        StagingService.Report report = staging.reports().stream().filter(r -> r.jobId() != null && r.jobId() == id)
                .findFirst().orElseThrow(() -> new NotFound("No failure report for job " + id));
        FailureReport parsed = FailureReport.parse(report.text());
        long time = report.created().getEpochSecond();
        Map<String, List<Object>> files = new LinkedHashMap<>();
        parsed.files().forEach(f -> files.put(f, List.of(false, true, time)));
        return new MwaStaging.JobStatus(id, 0, false, parsed.totalFiles(), 0, files.size(), time, files);
    }

    /**
     * For each path, whether it is on disk now: its storage unit is online and holds the file. Unknown paths are
     * false.
     */
    @PostMapping(path = {"/filestatus", "/filestatus/"}, produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "For each path, whether it is on disk now", description = "Unknown paths are false.",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
                    content = @Content(schema = @Schema(implementation = ApiShapes.MwaFiles.class))))
    public Map<String, Boolean> fileStatus(HttpServletRequest request) throws IOException {
        return staging.onDisk(MwaStaging.fileStatusFiles(readBody(request)));
    }

    // ---- helpers ----

    private StagingRequest job(long id) {
        return staging.store().latestMwa(id).filter(r -> !r.state().equals("cancelled"))
                .orElseThrow(() -> new NotFound("Job " + id + " not found"));
    }

    /** MWA's completed flag: every file ready or in error, whether or not the callback went out yet. */
    private static boolean completed(StagingRequest r) {
        return !r.state().equals("active") && r.done();
    }

    private static Long epoch(Instant t) {
        return t == null ? null : t.getEpochSecond();
    }

    static long jobId(String text) {
        if (text == null || text.isBlank()) {
            throw new BadRequestException("job_id is required (an integer query parameter)");
        }
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new BadRequestException("job_id must be an integer");
        }
    }

    /** A boolean query parameter as FastAPI reads one: true/false, 1/0, yes/no, on/off; absent: false. */
    static boolean bool(String name, String text) {
        if (text == null) {
            return false;
        }
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes", "on" -> true;
            case "false", "0", "no", "off", "" -> false;
            default -> throw new BadRequestException(name + " must be a boolean (true or false)");
        };
    }

    /** The body, at most {@link #MAX_BODY} bytes; a longer one is refused without reading it all. */
    private static byte[] readBody(HttpServletRequest request) throws IOException {
        long declared = request.getContentLengthLong();
        if (declared > MAX_BODY) {
            throw new BadRequestException("the body is " + declared + " bytes, over the limit of " + MAX_BODY
                    + " bytes");
        }
        try (InputStream in = request.getInputStream()) {
            byte[] b = in.readNBytes((int) MAX_BODY + 1);
            if (b.length > MAX_BODY) {
                throw new BadRequestException("the body is over the limit of " + MAX_BODY + " bytes");
            }
            return b;
        }
    }
}
