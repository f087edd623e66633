package org.drmsbatch.api;

import org.drmsbatch.staging.StagingException;
import org.drmsbatch.staging.StagingStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * The errors of MWA's staging paths, as MWA answers them: {@code {"errormsg": "<text>"}} (not problem JSON). A job id
 * that names a live job is 403 ("Job N already exists"), an unknown one 404 ("Job N not found"), a bad body, query
 * or callback URL 400 saying what is wrong; anything else 500 without the server's details (they are logged).
 */
@RestControllerAdvice(assignableTypes = MwaStagingController.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
class MwaStagingErrors {

    private static final Logger log = LoggerFactory.getLogger(MwaStagingErrors.class);

    private static ResponseEntity<MwaStaging.ErrorResult> answer(HttpStatus status, String message) {
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON)
                .body(new MwaStaging.ErrorResult(message));
    }

    @ExceptionHandler(StagingStore.DuplicateJobException.class)
    ResponseEntity<MwaStaging.ErrorResult> duplicate(StagingStore.DuplicateJobException e) {
        return answer(HttpStatus.FORBIDDEN, e.getMessage());
    }

    @ExceptionHandler({StagingException.class, BadRequestException.class})
    ResponseEntity<MwaStaging.ErrorResult> bad(RuntimeException e) {
        return answer(HttpStatus.BAD_REQUEST, e.getMessage());
    }

    @ExceptionHandler(MwaStagingController.NotFound.class)
    ResponseEntity<MwaStaging.ErrorResult> notFound(MwaStagingController.NotFound e) {
        return answer(HttpStatus.NOT_FOUND, e.getMessage());
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<MwaStaging.ErrorResult> other(Exception e) {
        log.error("MWA staging request failed", e);
        return answer(HttpStatus.INTERNAL_SERVER_ERROR, "internal error (" + e.getClass().getSimpleName()
                + "); the server's log has the details");
    }
}
