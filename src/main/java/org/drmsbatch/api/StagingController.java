package org.drmsbatch.api;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.math.BigInteger;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.drmsbatch.drms.query.RecordSets;
import org.drmsbatch.staging.StagingException;
import org.drmsbatch.staging.StagingRequest;
import org.drmsbatch.staging.StagingService;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The native staging API of the drms clients ({@code drms stage}, the Airflow client): ask for files to come off tape
 * by storage unit, record-set query or SUMS path, follow the request, list and cancel requests. The requests are the
 * staging service's, the same as MWA's and the WLCG clients'. Errors are problem JSON ({@link StagingProblems}).
 */
@RestController
@RequestMapping("/api/staging")
@Tag(name = "Staging", description = "The native staging API: files off tape by storage unit, record-set query or "
        + "SUMS path")
public class StagingController {

    /** The fields a new request may have. */
    static final Set<String> FIELDS = Set.of("sunum", "ds", "paths", "notify_url");

    private final StagingService staging;
    private final RecordSets recordSets;

    public StagingController(StagingService staging, RecordSets recordSets) {
        this.staging = staging;
        this.recordSets = recordSets;
    }

    /**
     * Takes a request {@code {"sunum": [..]} | {"ds": "QUERY"} | {"paths": [..]}} (exactly one), with an optional
     * {@code notify_url}: stored before the answer, 202 with the request and its {@code Location}.
     */
    @PostMapping
    @Operation(summary = "Ask for files to be staged", description = "Exactly one of sunum, ds or paths, and an "
            + "optional notify_url. Stored with its pins before the answer: 202 with the request and its Location.",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
                    content = @Content(schema = @Schema(implementation = ApiShapes.StagingRequestBody.class))))
    @ApiResponse(responseCode = "202", description = "Taken: the request; Location /api/staging/{id}")
    @ApiResponse(responseCode = "400", description = "None or several of sunum/ds/paths, an unknown field, a bad "
            + "unit or path, a query that does not parse (message and position)")
    public ResponseEntity<StagingView> submit(@RequestBody(required = false) Map<String, Object> body) {
        if (body == null) {
            throw new StagingException("the body must be a JSON object with one of sunum, ds or paths");
        }
        Set<String> unknown = new TreeSet<>(body.keySet());
        unknown.removeAll(FIELDS);
        if (!unknown.isEmpty()) {
            throw new StagingException("unknown field(s) " + String.join(", ", unknown)
                    + " (a staging request takes sunum, ds, paths and notify_url)");
        }
        StagingRequest r = staging.submit(StagingService.drmsRequest(recordSets, sunums(body.get("sunum")),
                text(body, "ds"), paths(body.get("paths")), text(body, "notify_url")));
        return ResponseEntity.accepted().location(URI.create("/api/staging/" + r.token()))
                .body(StagingView.of(r, null));
    }

    /** A request: its state and counts, and with {@code files=true} each file's state, reason and times. */
    @GetMapping("/{id}")
    @Operation(summary = "A staging request", description = "Its state and counts, MWA's return_code and comment "
            + "once ended; with files=true each file's state, reason and times.")
    @ApiResponse(responseCode = "200", description = "OK")
    @ApiResponse(responseCode = "404", description = "No request of this id")
    public StagingView request(@PathVariable String id, @RequestParam(defaultValue = "false") boolean files) {
        StagingRequest r = staging.existing(id);
        return StagingView.of(r, files ? staging.store().files(r.id()) : null);
    }

    /**
     * The requests, newest first: those still being worked on (active, or completed with a callback due), or with
     * {@code all=true} every one kept; at most {@code limit}.
     */
    @GetMapping
    @Operation(summary = "The staging requests, newest first", description = "Those still being worked on, or with "
            + "all=true every one kept; at most limit (1 to 10000).")
    public List<StagingView> requests(@RequestParam(defaultValue = "false") boolean all,
            @RequestParam(defaultValue = "100") int limit) {
        if (limit < 1 || limit > 10_000) {
            throw new StagingException("limit must be 1 to 10000, not " + limit);
        }
        return staging.store().requests(null, !all, limit).stream().map(r -> StagingView.of(r, null)).toList();
    }

    /** Cancels a request: its waiting files are not staged for it any more, its pins go; the request as it is then. */
    @DeleteMapping("/{id}")
    @Operation(summary = "Cancel a staging request", description = "Its waiting files are not staged for it any "
            + "more, its pins go; the request as it is then.")
    @ApiResponse(responseCode = "200", description = "Cancelled: the request")
    @ApiResponse(responseCode = "404", description = "No request of this id")
    @ApiResponse(responseCode = "409", description = "The request has ended")
    public StagingView cancel(@PathVariable String id) {
        return StagingView.of(staging.cancel(id), null);
    }

    private static String text(Map<String, Object> body, String field) {
        Object v = body.get(field);
        if (v == null) {
            return null;
        }
        if (!(v instanceof String s)) {
            throw new StagingException(field + ": must be a string");
        }
        return s;
    }

    /** {@code sunum}: a list of storage unit numbers (numbers or decimal strings), or one; null when absent. */
    private static List<Long> sunums(Object v) {
        if (v == null) {
            return null;
        }
        List<Long> out = new ArrayList<>();
        for (Object o : v instanceof List<?> list ? list : List.of(v)) {
            Long n = null;
            if (o instanceof Integer || o instanceof Long || o instanceof Short) {
                n = ((Number) o).longValue();
            } else if (o instanceof BigInteger b && b.bitLength() < 64) {
                n = b.longValue();
            } else if (o instanceof String s && s.trim().matches("\\d{1,18}")) {
                n = Long.parseLong(s.trim());
            }
            if (n == null || n < 0) {
                throw new StagingException("sunum: " + (o instanceof String ? "'" + o + "'" : String.valueOf(o))
                        + " is not a storage unit number (a whole number >= 0)");
            }
            out.add(n);
        }
        return out;
    }

    /** {@code paths}: a list of SUMS paths (strings), or one; null when absent. */
    private static List<String> paths(Object v) {
        if (v == null) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (Object o : v instanceof List<?> list ? list : List.of(v)) {
            if (!(o instanceof String s)) {
                throw new StagingException("paths: " + o + " is not a path (a string)");
            }
            out.add(s);
        }
        return out;
    }
}
