package org.drmsbatch.api;

import org.drmsbatch.schedules.JobRequestException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

/**
 * Problem JSON (RFC 7807) for job control: unknown job or execution 404, bad parameters 400, a request the
 * execution's state refuses (not restartable, still running, completed) 409; a launch refused because its job
 * instance runs or completed already also names that execution ({@code executionId}), so that a retrying caller
 * (an Airflow task) waits for it or takes its output instead of failing.
 */
@RestControllerAdvice(assignableTypes = {JobsController.class, SchedulesController.class})
public class JobProblems {

    @ExceptionHandler(JobRequestException.class)
    ProblemDetail jobRequest(JobRequestException e) {
        HttpStatus status = switch (e.reason()) {
            case NOT_FOUND -> HttpStatus.NOT_FOUND;
            case INVALID -> HttpStatus.BAD_REQUEST;
            case CONFLICT -> HttpStatus.CONFLICT;
        };
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, e.getMessage());
        problem.setTitle(switch (e.reason()) {
            case NOT_FOUND -> "Not found";
            case INVALID -> "Bad job parameters";
            case CONFLICT -> "Conflicts with the execution's state";
        });
        if (e.executionId() != null) {
            problem.setProperty("executionId", e.executionId()); // the execution that runs or completed already
        }
        return problem;
    }

    @ExceptionHandler({HttpMessageNotReadableException.class, MethodArgumentTypeMismatchException.class})
    ProblemDetail unreadable(Exception e) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST,
                "the request is not a JSON object of job parameters or has a bad argument: " + e.getMessage());
        problem.setTitle("Bad request");
        return problem;
    }
}
