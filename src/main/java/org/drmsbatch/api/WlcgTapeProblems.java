package org.drmsbatch.api;

import java.util.List;
import java.util.stream.Collectors;

import org.drmsbatch.staging.StagingException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * RFC 7807 problem JSON for the WLCG Tape REST API, with the titles and details of the spec and StoRM
 * ({@code application/problem+json}, {@code status}, {@code title}, {@code detail}; {@code type} about:blank):
 * <ul>
 *   <li>400 {@code JSON Validation error}: {@code files - Field does not exist or is not a valid non-empty array}
 *       and the like, naming the field;</li>
 *   <li>400 {@code File missing from stage request}: {@code The file /p does not belong to the STAGE request <id>.
 *       No modification has been made to this request.} (several files: {@code The files /a, /b do not belong…});</li>
 *   <li>404 {@code STAGE request not found}: {@code The STAGE request <id> could not be found};</li>
 *   <li>413 {@code Request body too large}.</li>
 * </ul>
 */
@RestControllerAdvice(assignableTypes = WlcgTapeController.class)
class WlcgTapeProblems {

    /** A problem answer, thrown by the controller. */
    static final class Problem extends RuntimeException {
        final HttpStatus status;
        final String title;

        Problem(HttpStatus status, String title, String detail) {
            super(detail);
            this.status = status;
            this.title = title;
        }
    }

    static Problem validation(String detail) {
        return new Problem(HttpStatus.BAD_REQUEST, "JSON Validation error", detail);
    }

    static Problem notFound(String id) {
        return new Problem(HttpStatus.NOT_FOUND, "STAGE request not found",
                "The STAGE request " + id + " could not be found");
    }

    static Problem missing(String id, List<String> paths) {
        String detail = (paths.size() == 1 ? "The file " + paths.get(0) + " does not"
                : "The files " + paths.stream().collect(Collectors.joining(", ")) + " do not")
                + " belong to the STAGE request " + id + ". No modification has been made to this request.";
        return new Problem(HttpStatus.BAD_REQUEST, "File missing from stage request", detail);
    }

    static Problem tooLarge(long bytes, long limit) {
        return new Problem(HttpStatus.CONTENT_TOO_LARGE, "Request body too large",
                "the body is " + bytes + " bytes or more, over the limit of " + limit + " bytes");
    }

    @ExceptionHandler(Problem.class)
    ResponseEntity<ProblemDetail> problem(Problem p) {
        return answer(p.status, p.title, p.getMessage());
    }

    /** A path the staging core refuses (empty, too long): a validation error of the body. */
    @ExceptionHandler(StagingException.class)
    ResponseEntity<ProblemDetail> staging(StagingException e) {
        return answer(HttpStatus.BAD_REQUEST, "JSON Validation error", "paths - " + e.getMessage());
    }

    private static ResponseEntity<ProblemDetail> answer(HttpStatus status, String title, String detail) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(status, detail);
        p.setTitle(title);
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(p);
    }
}
