package org.drmsbatch.api;

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
public class StatusController {

    private final RecordStatusReport report;

    public StatusController(RecordStatusReport report) {
        this.report = report;
    }

    @GetMapping("/api/status")
    public RecordStatus.Summary status(@RequestParam(name = "ds", required = false) String ds,
            @RequestParam(name = "step", required = false) String step,
            @RequestParam(name = "state", required = false) String state,
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
