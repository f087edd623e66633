package org.drmsbatch.api;

import java.io.IOException;
import java.net.URI;

import jakarta.servlet.http.HttpServletRequest;
import org.drmsbatch.buffer.BufferBusyException;
import org.drmsbatch.buffer.InvalidChunkException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * RFC 7807 problem JSON for the buffer API: a bad chunk says what is wrong and where ({@code pointer}, a JSON
 * pointer into the body, and {@code line}/{@code column} when known); other bad bodies say what was expected. A
 * snapshot refused while a collect reads the buffer is 409 naming who holds it ({@code holders}).
 */
@RestControllerAdvice(assignableTypes = GlitchflowController.class)
class BufferProblems {

    static final URI INVALID_CHUNK = URI.create("urn:drms-batch:problem:invalid-chunk");
    static final URI BAD_REQUEST = URI.create("urn:drms-batch:problem:bad-request");
    static final URI IO_ERROR = URI.create("urn:drms-batch:problem:buffer-io");
    static final URI BUSY = URI.create("urn:drms-batch:problem:buffer-busy");

    @ExceptionHandler(InvalidChunkException.class)
    ResponseEntity<ProblemDetail> invalidChunk(InvalidChunkException e, HttpServletRequest request) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.getMessage());
        p.setType(INVALID_CHUNK);
        p.setTitle("Invalid chunk");
        p.setInstance(URI.create(request.getRequestURI()));
        p.setProperty("pointer", e.pointer());
        if (e.line() > 0) {
            p.setProperty("line", e.line());
            p.setProperty("column", e.column());
        }
        return problem(p);
    }

    @ExceptionHandler(BadRequestException.class)
    ResponseEntity<ProblemDetail> badRequest(BadRequestException e, HttpServletRequest request) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.getMessage());
        p.setType(BAD_REQUEST);
        p.setTitle("Bad request");
        p.setInstance(URI.create(request.getRequestURI()));
        return problem(p);
    }

    @ExceptionHandler(BufferBusyException.class)
    ResponseEntity<ProblemDetail> busy(BufferBusyException e, HttpServletRequest request) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT, e.getMessage());
        p.setType(BUSY);
        p.setTitle("Buffer in use");
        p.setInstance(URI.create(request.getRequestURI()));
        p.setProperty("holders", e.holders());
        return problem(p);
    }

    @ExceptionHandler(IOException.class)
    ResponseEntity<ProblemDetail> io(IOException e, HttpServletRequest request) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR,
                "the data buffer could not read or write its files: " + e);
        p.setType(IO_ERROR);
        p.setTitle("Buffer I/O error");
        p.setInstance(URI.create(request.getRequestURI()));
        return problem(p);
    }

    private static ResponseEntity<ProblemDetail> problem(ProblemDetail p) {
        return ResponseEntity.status(p.getStatus()).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(p);
    }
}
