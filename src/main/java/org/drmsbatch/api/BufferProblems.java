package org.drmsbatch.api;

import java.io.IOException;
import java.net.URI;

import jakarta.servlet.http.HttpServletRequest;
import org.drmsbatch.buffer.BufferBusyException;
import org.drmsbatch.buffer.InvalidChunkException;
import org.drmsbatch.config.DrmsProperties;
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

    private final DrmsProperties properties;

    BufferProblems(DrmsProperties properties) {
        this.properties = properties;
    }

    @ExceptionHandler(InvalidChunkException.class)
    ResponseEntity<ProblemDetail> invalidChunk(InvalidChunkException e, HttpServletRequest request) {
        ProblemDetail p = problem(HttpStatus.BAD_REQUEST, INVALID_CHUNK, "Invalid chunk", e.getMessage(), request);
        p.setProperty("pointer", e.pointer());
        if (e.line() > 0) {
            p.setProperty("line", e.line());
            p.setProperty("column", e.column());
        }
        return answer(p);
    }

    @ExceptionHandler(BadRequestException.class)
    ResponseEntity<ProblemDetail> badRequest(BadRequestException e, HttpServletRequest request) {
        return answer(problem(HttpStatus.BAD_REQUEST, BAD_REQUEST, "Bad request", e.getMessage(), request));
    }

    @ExceptionHandler(BufferBusyException.class)
    ResponseEntity<ProblemDetail> busy(BufferBusyException e, HttpServletRequest request) {
        ProblemDetail p = problem(HttpStatus.CONFLICT, BUSY, "Buffer in use", e.getMessage(), request);
        p.setProperty("holders", e.holders());
        return answer(p);
    }

    /** The failure named with paths relative to the home, never the server's absolute paths. */
    @ExceptionHandler(IOException.class)
    ResponseEntity<ProblemDetail> io(IOException e, HttpServletRequest request) {
        return answer(problem(HttpStatus.INTERNAL_SERVER_ERROR, IO_ERROR, "Buffer I/O error",
                "the data buffer could not read or write its files: " + properties.relative(e.toString()), request));
    }

    private static ProblemDetail problem(HttpStatus status, URI type, String title, String detail,
            HttpServletRequest request) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(status, detail);
        p.setType(type);
        p.setTitle(title);
        p.setInstance(URI.create(request.getRequestURI()));
        return p;
    }

    private static ResponseEntity<ProblemDetail> answer(ProblemDetail p) {
        return ResponseEntity.status(p.getStatus()).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(p);
    }
}
