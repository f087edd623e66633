package org.drmsbatch.api;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;
import org.drmsbatch.staging.StagingException;
import org.drmsbatch.staging.StagingRequest;
import org.drmsbatch.staging.StagingService;
import org.drmsbatch.staging.WlcgTape;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The WLCG Tape REST API v1 (specs staging-and-buffer.md B) over the staging service: discovery at
 * {@code /.well-known/wlcg-tape-rest-api}, then under {@code /api/tape/v1} {@code POST stage}, {@code GET stage/{id}},
 * {@code POST stage/{id}/cancel}, {@code DELETE stage/{id}}, {@code POST release/{id}} and {@code POST archiveinfo},
 * each also with a trailing slash (gfal2 posts to {@code stage/} and {@code archiveinfo/}). Files are named by the
 * paths this server serves them under for download ({@code /download/sums/SUM0/D12/S00000/image.fits}); see
 * {@link WlcgTape} for what each answer means. Errors are RFC 7807 problem JSON with the spec's titles
 * ({@link WlcgTapeProblems}). Changes (POST, DELETE) need the role operate; the poll follows the open reads; the
 * discovery document is open to anyone.
 */
@RestController
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@Tag(name = "WLCG Tape REST", description = "The WLCG Tape REST API v1 over the staging service; files are named by "
        + "their download paths. Each path also with a trailing slash.")
public class WlcgTapeController {

    public static final String WELL_KNOWN = "/.well-known/wlcg-tape-rest-api";
    public static final String BASE = "/api/tape/v1";

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** The largest request body read (a stage request of 100 000 long paths fits). */
    private static final int MAX_BODY = 32 * 1024 * 1024;

    private final WlcgTape tape;
    private final String sitename;

    public WlcgTapeController(StagingService staging, DownloadArea downloads,
            @Value("${drms.staging.sitename:drms-batch}") String sitename,
            @Value("${drms.staging.max-disk-lifetime:7d}") Duration maxDiskLifetime) {
        Map<String, java.nio.file.Path> partitions = new LinkedHashMap<>();
        downloads.roots().forEach((name, dir) -> {
            if (name.startsWith(DownloadArea.SUMS + "/")) {
                partitions.put(name.substring(DownloadArea.SUMS.length() + 1), dir);
            }
        });
        if (maxDiskLifetime == null || maxDiskLifetime.isNegative() || maxDiskLifetime.isZero()) {
            throw new IllegalArgumentException("drms.staging.max-disk-lifetime must be positive, not "
                    + maxDiskLifetime);
        }
        this.tape = new WlcgTape(staging, downloads.basePath(), partitions, maxDiskLifetime);
        this.sitename = sitename == null || sitename.isBlank() ? "drms-batch" : sitename.trim();
    }

    /** The discovery document: this site and its one v1 endpoint, an absolute URI built from the request. */
    @GetMapping(path = WELL_KNOWN, produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "The discovery document: this site and its v1 endpoint",
            description = "Open to anyone, whatever credentials come with it.")
    @ApiResponse(responseCode = "200", description = "OK",
            content = @Content(schema = @Schema(implementation = ApiShapes.WlcgDiscovery.class)))
    public Map<String, Object> discovery(HttpServletRequest request) {
        Map<String, Object> endpoint = new LinkedHashMap<>();
        endpoint.put("uri", endpoint(request));
        endpoint.put("version", "v1");
        endpoint.put("metadata", Map.of());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sitename", sitename);
        m.put("description", "drms-batch: staging of storage units from tape; files are named by their download"
                + " paths, " + tape.sumsPrefix() + "<partition>/D<sunum>/<slot>/<file>");
        m.put("endpoints", List.of(endpoint));
        return m;
    }

    /** {@code <scheme>://<host>:<port><context>/api/tape/v1}, as the client reached this server. */
    private static String endpoint(HttpServletRequest request) {
        return ServletUriComponentsBuilder.fromContextPath(request).port(request.getServerPort())
                .replacePath(request.getContextPath() + BASE).replaceQuery(null).build().toUriString();
    }

    /** {@code {"files":[{"path", "diskLifetime"?, "targetedMetadata"?}]}} → 201, {@code Location}, {"requestId"}. */
    @PostMapping(path = {BASE + "/stage", BASE + "/stage/"}, produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Ask for files to be brought to disk",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
                    content = @Content(schema = @Schema(implementation = ApiShapes.WlcgStageRequest.class))))
    @ApiResponse(responseCode = "201", description = "Taken: its id; Location the request's URL",
            content = @Content(schema = @Schema(implementation = ApiShapes.WlcgStageCreated.class)))
    @ApiResponse(responseCode = "400", description = "JSON Validation error, naming the field")
    @ApiResponse(responseCode = "413", description = "Request body too large")
    public ResponseEntity<Map<String, Object>> stage(HttpServletRequest request) throws IOException {
        JsonNode body = body(request);
        JsonNode files = body.get("files");
        if (files == null || !files.isArray() || files.isEmpty()) {
            throw WlcgTapeProblems.validation("files - Field does not exist or is not a valid non-empty array");
        }
        if (files.size() > WlcgTape.MAX_STAGE_FILES) {
            throw WlcgTapeProblems.validation("files - more than " + WlcgTape.MAX_STAGE_FILES + " files in one"
                    + " request");
        }
        List<WlcgTape.StageFile> wanted = new ArrayList<>(files.size());
        for (int i = 0; i < files.size(); i++) {
            JsonNode f = files.get(i);
            if (f == null || !f.isObject()) {
                throw WlcgTapeProblems.validation("files[" + i + "] - Field is not a JSON object");
            }
            String path = nonEmptyString(f.get("path"), "files[" + i + "].path");
            Duration lifetime = null;
            JsonNode d = f.get("diskLifetime");
            if (d != null && !d.isNull()) {
                String text = nonEmptyString(d, "files[" + i + "].diskLifetime");
                try {
                    lifetime = Duration.parse(text);
                } catch (DateTimeParseException e) {
                    throw WlcgTapeProblems.validation("files[" + i + "].diskLifetime - Field is not an ISO-8601"
                            + " duration such as PT1H: " + text);
                }
                if (lifetime.isNegative() || lifetime.isZero()) {
                    throw WlcgTapeProblems.validation("files[" + i + "].diskLifetime - Field must be a positive"
                            + " duration: " + text);
                }
            }
            // targetedMetadata and anything else: for whichever site it names, never refused (the spec, p.27)
            wanted.add(new WlcgTape.StageFile(path, lifetime));
        }
        StagingRequest r;
        try {
            r = tape.stage(wanted);
        } catch (StagingException e) {
            throw WlcgTapeProblems.validation("files - " + e.getMessage());
        }
        URI location = URI.create(endpoint(request) + "/stage/" + r.token());
        return ResponseEntity.created(location).contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("requestId", r.token()));
    }

    /** The request's status, files in the {@code state} form; 404 when no WLCG request has this id. */
    @GetMapping(path = {BASE + "/stage/{id}", BASE + "/stage/{id}/"}, produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "A stage request's status, its files' states")
    @ApiResponse(responseCode = "200", description = "OK")
    @ApiResponse(responseCode = "404", description = "STAGE request not found")
    public WlcgTape.RequestStatus poll(@PathVariable String id) {
        return tape.status(id).orElseThrow(() -> WlcgTapeProblems.notFound(id));
    }

    /** {@code {"paths":[…]}}: cancels these files; 400 naming any path not in the request (nothing changed). */
    @PostMapping(path = {BASE + "/stage/{id}/cancel", BASE + "/stage/{id}/cancel/"})
    @Operation(summary = "Cancel some files of a stage request",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
                    content = @Content(schema = @Schema(implementation = ApiShapes.WlcgPaths.class))))
    @ApiResponse(responseCode = "200", description = "Cancelled")
    @ApiResponse(responseCode = "400", description = "JSON Validation error, or File missing from stage request "
            + "(nothing changed)")
    @ApiResponse(responseCode = "404", description = "STAGE request not found")
    public ResponseEntity<Void> cancel(@PathVariable String id, HttpServletRequest request) throws IOException {
        List<String> paths = paths(body(request));
        List<String> missing = tape.cancel(id, paths).orElseThrow(() -> WlcgTapeProblems.notFound(id));
        if (!missing.isEmpty()) {
            throw WlcgTapeProblems.missing(id, missing);
        }
        return ResponseEntity.ok().build();
    }

    /** Cancels every file of the request, then removes it: 404 for it from then on. */
    @DeleteMapping(path = {BASE + "/stage/{id}", BASE + "/stage/{id}/"})
    @Operation(summary = "Cancel every file of a stage request and remove it")
    @ApiResponse(responseCode = "200", description = "Removed: 404 for it from then on")
    @ApiResponse(responseCode = "404", description = "STAGE request not found")
    public ResponseEntity<Void> delete(@PathVariable String id) {
        if (!tape.delete(id)) {
            throw WlcgTapeProblems.notFound(id);
        }
        return ResponseEntity.ok().build();
    }

    /** {@code {"paths":[…]}}: the client needs these files on disk no longer (the request's pins on them go). */
    @PostMapping(path = {BASE + "/release/{id}", BASE + "/release/{id}/"})
    @Operation(summary = "Release files: the client needs them on disk no longer",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
                    content = @Content(schema = @Schema(implementation = ApiShapes.WlcgPaths.class))))
    @ApiResponse(responseCode = "200", description = "Released: the request's pins on them went")
    @ApiResponse(responseCode = "400", description = "JSON Validation error, or File missing from stage request "
            + "(nothing changed)")
    @ApiResponse(responseCode = "404", description = "STAGE request not found")
    public ResponseEntity<Void> release(@PathVariable String id, HttpServletRequest request) throws IOException {
        List<String> paths = paths(body(request));
        List<String> missing = tape.release(id, paths).orElseThrow(() -> WlcgTapeProblems.notFound(id));
        if (!missing.isEmpty()) {
            throw WlcgTapeProblems.missing(id, missing);
        }
        return ResponseEntity.ok().build();
    }

    /** {@code {"paths":[…]}} → {@code [{"path","locality"} | {"path","error"}]}, at most 10 000 of them. */
    @PostMapping(path = {BASE + "/archiveinfo", BASE + "/archiveinfo/"}, produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Where files are: locality (DISK, TAPE, DISK_AND_TAPE…) or an error, per path",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
                    content = @Content(schema = @Schema(implementation = ApiShapes.WlcgPaths.class))))
    @ApiResponse(responseCode = "200", description = "OK: one item per path, in their order")
    @ApiResponse(responseCode = "400", description = "JSON Validation error, naming the field")
    public List<WlcgTape.ArchiveInfo> archiveinfo(HttpServletRequest request) throws IOException {
        return tape.archiveInfo(paths(body(request)));
    }

    // ---- bodies ----

    private static JsonNode body(HttpServletRequest request) throws IOException {
        long declared = request.getContentLengthLong();
        if (declared > MAX_BODY) {
            throw WlcgTapeProblems.tooLarge(declared, MAX_BODY);
        }
        byte[] bytes;
        try (InputStream in = request.getInputStream()) {
            bytes = in.readNBytes(MAX_BODY + 1);
        }
        if (bytes.length > MAX_BODY) {
            throw WlcgTapeProblems.tooLarge(bytes.length, MAX_BODY);
        }
        if (bytes.length == 0) {
            throw WlcgTapeProblems.validation("the body is empty; expected a JSON object");
        }
        JsonNode n;
        try {
            n = JSON.readTree(bytes);
        } catch (JacksonException e) {
            throw WlcgTapeProblems.validation("the body is not JSON: "
                    + e.getOriginalMessage().lines().findFirst().orElse(""));
        }
        if (n == null || !n.isObject()) {
            throw WlcgTapeProblems.validation("the body is not a JSON object");
        }
        return n;
    }

    /** {@code paths}: a non-empty array of non-empty strings. */
    private static List<String> paths(JsonNode body) {
        JsonNode paths = body.get("paths");
        if (paths == null || !paths.isArray() || paths.isEmpty()) {
            throw WlcgTapeProblems.validation("paths - Field does not exist or is not a valid non-empty array");
        }
        List<String> out = new ArrayList<>(paths.size());
        for (int i = 0; i < paths.size(); i++) {
            out.add(nonEmptyString(paths.get(i), "paths[" + i + "]"));
        }
        return out;
    }

    private static String nonEmptyString(JsonNode n, String field) {
        if (n == null || !n.isString() || n.asString().isBlank()) {
            throw WlcgTapeProblems.validation(field + " - Field does not exist or is not a non-empty string");
        }
        return n.asString();
    }
}
