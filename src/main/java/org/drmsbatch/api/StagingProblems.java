package org.drmsbatch.api;

import org.drmsbatch.staging.StagingException;
import org.drmsbatch.staging.StagingService;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

/**
 * Problem JSON (RFC 7807) for the native staging API: a request that cannot be taken 400 (what and where: a query
 * that does not parse gives the parser's message and position), an unknown request 404, a change to a request that
 * has ended 409.
 */
@RestControllerAdvice(assignableTypes = StagingController.class)
public class StagingProblems {

    @ExceptionHandler(StagingService.UnknownRequestException.class)
    ProblemDetail unknown(StagingException e) {
        return problem(HttpStatus.NOT_FOUND, "Not found", e.getMessage());
    }

    @ExceptionHandler(StagingService.EndedRequestException.class)
    ProblemDetail ended(StagingException e) {
        return problem(HttpStatus.CONFLICT, "The request has ended", e.getMessage());
    }

    @ExceptionHandler(StagingException.class)
    ProblemDetail bad(StagingException e) {
        return problem(HttpStatus.BAD_REQUEST, "Bad staging request", e.getMessage());
    }

    @ExceptionHandler({HttpMessageNotReadableException.class, MethodArgumentTypeMismatchException.class})
    ProblemDetail unreadable(Exception e) {
        return problem(HttpStatus.BAD_REQUEST, "Bad request",
                "the request is not a JSON object naming files to stage, or has a bad argument: " + e.getMessage());
    }

    private static ProblemDetail problem(HttpStatus status, String title, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setTitle(title);
        return problem;
    }
}
