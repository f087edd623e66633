package org.drmsbatch.api;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.drmsbatch.drms.DrmsException;
import org.drmsbatch.drms.RecordStatus;
import org.drmsbatch.drms.query.RecordStatusReport;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/status?ds=<query>[&step=S][&state=failed][&limit=N]}: the processing status of a record set, per step
 * the counts of its records by state (queued, in_progress, good, failed), their output bytes and time, and with
 * {@code step}, {@code state} or {@code limit} its records' status rows as {@code entries} (reason, job execution,
 * host, time, output record; {@link RecordStatus.Summary} as JSON). A read: open like every GET. A bad query or
 * filter is a 400 problem saying why.
 */
@RestController
@Tag(name = "Record status", description = "Per-step processing status of a record set")
public class StatusController {

    private final RecordStatusReport report;

    public StatusController(RecordStatusReport report) {
        this.report = report;
    }

    @GetMapping("/api/status")
    @Operation(summary = "The processing status of a record set, per step",
            description = "Its record count and, per step, the counts of its records by state (queued, in_progress, "
                    + "good, failed), their output bytes and time; with step, state or limit also its records' "
                    + "status rows as entries (reason, job execution, host, time, output record); as `drms status`.")
    @ApiResponse(responseCode = "200", description = "OK")
    @ApiResponse(responseCode = "400", description = "The query does not parse or names no series, or a bad state or "
            + "limit (why, where)")
    public RecordStatus.Summary status(
            @Parameter(description = "a record-set query", example = "demo.images[2010.05.01_TAI/1h]")
            @RequestParam(name = "ds", required = false) String ds,
            @Parameter(description = "only this step's rows") @RequestParam(name = "step", required = false)
            String step,
            @Parameter(description = "only rows in this state: queued, in_progress, good or failed")
            @RequestParam(name = "state", required = false) String state,
            @Parameter(description = "at most this many rows, 1 to 10000 (100 with step or state)")
            @RequestParam(name = "limit", required = false) String limit) {
        return report.summary(ds, RecordStatusReport.filter(step, state, limit));
    }

    @ExceptionHandler({DrmsException.class, IllegalArgumentException.class})
    ProblemDetail badQuery(RuntimeException e) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.getMessage());
        problem.setTitle("Bad record-set query");
        return problem;
    }
}
