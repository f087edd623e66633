package org.drmsbatch.api;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;
import org.drmsbatch.staging.TapeUploads;
import org.drmsbatch.staging.TapeUploads.TapeFileRecord;
import org.drmsbatch.staging.TapeUploads.UploadException;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

/**
 * An extension next to the WLCG Tape REST API: another site (A) keeps its tape on this server ({@link TapeUploads},
 * A's {@code RemoteTapeLibrary}).
 * <ul>
 * <li>{@code PUT /api/tape/v1/upload/{volume}/{name}} (role operate), body the tape file's bytes
 * ({@code application/octet-stream}, streamed to disk), with its MD5 in {@code Content-MD5} (base64) or
 * {@code X-Checksum-MD5} (hex) and its file number in {@code X-Tape-File-Number} (else from a name that starts with
 * it): 201 {@code {"sunum", "path", "md5", "bytes", ...}} once the record is committed, {@code path} being the URL
 * path the file is downloaded from and staged by (WLCG); 200 with the same answer when the same volume and name
 * were stored already with the same MD5; 409 when with another; 400 when the MD5 is missing, is not the body's, or
 * a volume or name is malformed.</li>
 * <li>{@code GET /api/tape/v1/upload/{volume}/{name}} (a read): the same answer for a stored tape file, with
 * {@code online} and its path now; 404 when none is stored so.</li>
 * </ul>
 */
@RestController
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@RequestMapping("/api/tape/v1/upload")
@Tag(name = "Tape uploads", description = "Another site keeps its tape files on this server (its drms.tape.remote)")
public class TapeUploadController {

    private final TapeUploads uploads;
    private final DownloadArea downloads;

    public TapeUploadController(TapeUploads uploads, DownloadArea downloads) {
        this.uploads = uploads;
        this.downloads = downloads;
    }

    @PutMapping(path = "/{volume}/{name}", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Store a tape file", description = "The body is the file's bytes, streamed to disk; its MD5 "
            + "in Content-MD5 (base64) or X-Checksum-MD5 (hex); its file number in X-Tape-File-Number, else from a "
            + "name that starts with it.",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
                    content = @Content(mediaType = MediaType.APPLICATION_OCTET_STREAM_VALUE,
                            schema = @Schema(type = "string", format = "binary"))))
    @ApiResponse(responseCode = "201", description = "Stored and its record committed",
            content = @Content(schema = @Schema(implementation = ApiShapes.TapeFile.class)))
    @ApiResponse(responseCode = "200", description = "Stored already with the same MD5",
            content = @Content(schema = @Schema(implementation = ApiShapes.TapeFile.class)))
    @ApiResponse(responseCode = "400", description = "The MD5 is missing or not the body's, a volume or name is "
            + "malformed, or the body is not application/octet-stream")
    @ApiResponse(responseCode = "409", description = "Stored already with another MD5")
    public ResponseEntity<Map<String, Object>> upload(@PathVariable String volume, @PathVariable String name,
            @RequestHeader(value = "Content-MD5", required = false) String contentMd5,
            @RequestHeader(value = "X-Checksum-MD5", required = false) String checksumMd5,
            @RequestHeader(value = "X-Tape-File-Number", required = false) Integer fileNumber,
            HttpServletRequest request) throws IOException {
        String type = request.getContentType();
        if (type != null && !octetStream(type)) {
            throw new UploadException(UploadException.Reason.INVALID, "a tape file is uploaded as "
                    + MediaType.APPLICATION_OCTET_STREAM_VALUE + ", not " + type);
        }
        String md5 = md5(contentMd5, checksumMd5);
        TapeFileRecord r;
        try (InputStream body = request.getInputStream()) {
            r = uploads.store(volume, name, fileNumber, md5, body);
        }
        return ResponseEntity.status(r.created() ? HttpStatus.CREATED : HttpStatus.OK)
                .location(URI.create(request.getRequestURI()))
                .body(answer(r));
    }

    @GetMapping(path = "/{volume}/{name}", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "A stored tape file: where it is and whether it is online")
    @ApiResponse(responseCode = "200", description = "OK",
            content = @Content(schema = @Schema(implementation = ApiShapes.TapeFile.class)))
    @ApiResponse(responseCode = "404", description = "No tape file is stored under this volume and name")
    public Map<String, Object> find(@PathVariable String volume, @PathVariable String name) {
        return answer(uploads.find(volume, name).orElseThrow(() -> new UploadException(
                UploadException.Reason.NOT_FOUND, "no tape file " + volume + "/" + name + " is stored here")));
    }

    private static boolean octetStream(String type) {
        try {
            return MediaType.APPLICATION_OCTET_STREAM.isCompatibleWith(MediaType.parseMediaType(type));
        } catch (org.springframework.util.InvalidMimeTypeException e) {
            return false;
        }
    }

    /** The MD5 as hex, from either header; both given must agree. */
    static String md5(String contentMd5, String checksumMd5) {
        String fromContent = null;
        if (contentMd5 != null && !contentMd5.isBlank()) {
            byte[] digest;
            try {
                digest = Base64.getDecoder().decode(contentMd5.trim());
            } catch (IllegalArgumentException e) {
                digest = new byte[0];
            }
            if (digest.length != 16) {
                throw new UploadException(UploadException.Reason.INVALID, "Content-MD5 '" + contentMd5
                        + "' is not the base64 of an MD5 digest (RFC 1864)");
            }
            fromContent = HexFormat.of().formatHex(digest);
        }
        String fromHeader = checksumMd5 == null || checksumMd5.isBlank() ? null
                : checksumMd5.trim().toLowerCase(Locale.ROOT);
        if (fromContent != null && fromHeader != null && !fromContent.equals(fromHeader)) {
            throw new UploadException(UploadException.Reason.INVALID, "Content-MD5 (" + fromContent
                    + ") and X-Checksum-MD5 (" + fromHeader + ") differ");
        }
        return fromContent != null ? fromContent : fromHeader;
    }

    private Map<String, Object> answer(TapeFileRecord r) {
        String path = downloads.pathOf(r.file()).map(p -> downloads.basePath() + p.substring(1))
                .orElseThrow(() -> new IllegalStateException("tape file " + r.volume() + "/" + r.name()
                        + " is outside the download area"));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("sunum", r.sunum());
        out.put("path", path);
        out.put("md5", r.md5());
        out.put("bytes", r.bytes());
        out.put("volume", r.volume());
        out.put("name", r.name());
        out.put("fileNumber", r.fileNumber());
        out.put("online", r.online());
        return out;
    }

    @ExceptionHandler(UploadException.class)
    ResponseEntity<ProblemDetail> refused(UploadException e) {
        HttpStatus status = switch (e.reason()) {
            case INVALID -> HttpStatus.BAD_REQUEST;
            case CONFLICT -> HttpStatus.CONFLICT;
            case NOT_FOUND -> HttpStatus.NOT_FOUND;
        };
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, e.getMessage());
        problem.setTitle(switch (e.reason()) {
            case INVALID -> "Bad tape file upload";
            case CONFLICT -> "Tape file stored already";
            case NOT_FOUND -> "Tape file not found";
        });
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<ProblemDetail> badArgument(MethodArgumentTypeMismatchException e) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, "'" + e.getValue()
                + "' is not a valid " + e.getName() + (e.getName().equals("X-Tape-File-Number")
                ? " (a tape file number)" : ""));
        problem.setTitle("Bad tape file upload");
        return ResponseEntity.badRequest().contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
    }
}
