package org.drmsbatch.api;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.servlet.http.HttpServletRequest;
import org.drmsbatch.api.security.Operators;
import org.drmsbatch.buffer.BufferBusyException;
import org.drmsbatch.buffer.BufferFrozenException;
import org.drmsbatch.buffer.BufferStats;
import org.drmsbatch.buffer.BufferStatus;
import org.drmsbatch.buffer.DataBuffer;
import org.drmsbatch.buffer.StoredChunk;
import org.drmsbatch.buffer.TrainDecision;
import org.drmsbatch.jobs.snapshot.SnapshotJobConfiguration;
import org.drmsbatch.schedules.JobControl;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.HtmlUtils;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The GlitchFlow API of the glitchflow datastore (FastAPI in the original): the same paths and JSON, so an existing
 * gwclient and the Trainpipe DAG work unchanged. Answers are 200 as in the original (FROZEN refusals too); what is
 * new is that bad input gets 400 with problem JSON ({@link BufferProblems}) and nothing is stored.
 */
@RestController
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@Tag(name = "Data buffer (glitchflow)", description = "The glitchflow datastore's API over the data buffer "
        + "(drms.buffer.*): the original's paths and JSON")
public class GlitchflowController {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int MAX_SMALL_BODY = 64 * 1024;

    /** How long {@code /cleanbuf} waits for its snapshot job. */
    private static final Duration CLEANBUF_WAIT = Duration.ofMinutes(10);
    private static final AtomicLong CLEANBUF_RUNS = new AtomicLong();

    private final DataBuffer buffer;
    private final JobControl jobs;
    private final Operators operators;

    public GlitchflowController(DataBuffer buffer, JobControl jobs, Operators operators) {
        this.buffer = buffer;
        this.jobs = jobs;
        this.operators = operators;
    }

    /** {@code {"n_itm": files, "buff_size": bytes}} */
    @GetMapping(path = "/stats", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "The buffer's file and byte counts")
    @ApiResponse(responseCode = "200", description = "OK",
            content = @Content(schema = @Schema(implementation = ApiShapes.BufferStats.class)))
    public Map<String, Object> stats() {
        BufferStats s = buffer.stats();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("n_itm", s.files());
        m.put("buff_size", s.bytes());
        return m;
    }

    /** {@code {"nmlist": ["gwb….json", …]}}, in arrival order ({@code []} when empty). */
    @GetMapping(path = "/dumpbuf", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "The buffered files' names, in arrival order")
    @ApiResponse(responseCode = "200", description = "OK",
            content = @Content(schema = @Schema(implementation = ApiShapes.BufferFiles.class)))
    public Map<String, Object> dumpbuf() throws IOException {
        return Map.of("nmlist", buffer.fileNames());
    }

    /** {@code {"resp": "OPERATIONAL" | "FROZEN"}} */
    @GetMapping(path = "/desc", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "The buffer's state: OPERATIONAL or FROZEN")
    @ApiResponse(responseCode = "200", description = "OK",
            content = @Content(schema = @Schema(implementation = ApiShapes.BufferState.class)))
    public Map<String, Object> desc() {
        return Map.of("resp", buffer.state().name());
    }

    /**
     * {@code {"user", "token"}} → {@code {"resp":"FROZEN","n_f":files,"bt_wrt":bytes}} when the byte count reached
     * {@code drms.buffer.max-size} (the buffer is now frozen), else {@code {"resp":"WAITING"}}. It needs the role
     * operate: the request's credentials, or the body's {@code user} and {@code token} taken as credentials (see
     * {@link Operators}). The buffer records the operator's name, never the token.
     */
    @PostMapping(path = "/train", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Ask to train: freezes the buffer once its bytes reached drms.buffer.max-size",
            description = "Needs the role operate: the request's credentials, or the body's user and token taken as "
                    + "credentials. The buffer records the operator's name, never the token.",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
                    content = @Content(schema = @Schema(implementation = ApiShapes.TrainRequest.class))))
    @ApiResponse(responseCode = "200", description = "FROZEN with the counts, or WAITING",
            content = @Content(schema = @Schema(implementation = ApiShapes.TrainAnswer.class)))
    public Map<String, Object> train(HttpServletRequest request) throws IOException {
        JsonNode body = jsonObject(request, "{\"user\": \"…\", \"token\": \"…\"}");
        String user = text(body, "user");
        String token = text(body, "token");
        TrainDecision d = buffer.train(operators.operator(user, token), "");
        Map<String, Object> m = new LinkedHashMap<>();
        if (d.frozen()) {
            m.put("resp", "FROZEN");
            m.put("n_f", d.stats().files());
            m.put("bt_wrt", d.stats().bytes());
        } else {
            m.put("resp", "WAITING");
        }
        return m;
    }

    /**
     * A chunk {@code {"h": [...], "t": [t0, dt]}} → {@code {"resp":"CREATED","body":"<the Go buffer's answer>"}},
     * or {@code {"resp":"FROZEN","body":"Datastore frozen."}} while frozen.
     */
    @PostMapping(path = "/streamdata", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Store a chunk of strain in the buffer",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
                    content = @Content(schema = @Schema(implementation = ApiShapes.Chunk.class))))
    @ApiResponse(responseCode = "200", description = "CREATED, or FROZEN while frozen (nothing stored)",
            content = @Content(schema = @Schema(implementation = ApiShapes.StreamAnswer.class)))
    @ApiResponse(responseCode = "400", description = "Not a chunk, or over drms.buffer.max-chunk: what is wrong and "
            + "where (pointer, a JSON pointer into the body; line and column when known); nothing is stored")
    @ApiResponse(responseCode = "500", description = "The buffer could not write its file (paths relative to home)")
    public Map<String, Object> streamdata(HttpServletRequest request) throws IOException {
        byte[] body = readBody(request, buffer.maxChunkBytes(), true);
        Map<String, Object> m = new LinkedHashMap<>();
        try {
            StoredChunk c = buffer.store(body);
            Map<String, Object> go = new LinkedHashMap<>();
            go.put("code", "RES_CREATE");
            go.put("body", "Written " + c.name() + "for " + c.bytes() + " bytes"); // sic: no space, as the original
            m.put("resp", "CREATED");
            m.put("body", JSON.writeValueAsString(go));
        } catch (BufferFrozenException e) {
            m.put("resp", "FROZEN");
            m.put("body", e.getMessage());
        }
        return m;
    }

    /**
     * {@code {"msg": …}} (ignored) → runs the {@code snapshot} job (freeze, move the buffered files into a snapshot
     * with a manifest, reopen) and waits for it: {@code {"resp":"CLEANED","body":"<the Go buffer's answer>",
     * "snapshot":"<name>","execution":<id>}}, or {@code {"resp":"FS ERR","body":…,"execution":<id>}} when the job
     * failed (it can be restarted through the job API and finishes the snapshot). While a collect reads the buffer
     * ({@link DataBuffer#hold}) it is refused with 409 problem JSON naming the collect's execution, before or (when
     * the collect started at the same moment) by the job, which then changed nothing.
     */
    @PostMapping(path = "/cleanbuf", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Snapshot the buffer: run the snapshot job and wait for it",
            description = "Freezes, moves the buffered files into a snapshot with a manifest, reopens. The body "
                    + "({\"msg\": …}) is ignored.")
    @ApiResponse(responseCode = "200", description = "CLEANED with the snapshot, or FS ERR when the job failed",
            content = @Content(schema = @Schema(implementation = ApiShapes.CleanAnswer.class)))
    @ApiResponse(responseCode = "409", description = "A collect reads the buffer: holders names its execution")
    public Map<String, Object> cleanbuf(@RequestBody(required = false) byte[] ignored) throws InterruptedException {
        Map<String, Object> m = new LinkedHashMap<>();
        buffer.checkNotHeld();
        JobExecution launched = jobs.launch(SnapshotJobConfiguration.JOB,
                Map.of("run", "cleanbuf-" + Instant.now() + "-" + CLEANBUF_RUNS.incrementAndGet(),
                        "user", "cleanbuf"));
        JobExecution ended = jobs.await(launched, CLEANBUF_WAIT);
        if (ended != null) {
            for (Throwable t : ended.getAllFailureExceptions()) {
                for (Throwable c = t; c != null; c = c.getCause()) {
                    if (c instanceof BufferBusyException busy) {
                        throw busy;
                    }
                }
            }
        }
        if (ended != null && ended.getStatus() == BatchStatus.COMPLETED) {
            m.put("resp", "CLEANED");
            m.put("body", "{\"code\":\"STAT_UPD\",\"body\":\"Buffer cleaned\"}");
            m.put("snapshot", ended.getStepExecutions().iterator().next().getExecutionContext()
                    .getString(SnapshotJobConfiguration.SNAPSHOT_NAME));
        } else {
            m.put("resp", "FS ERR");
            m.put("body", ended == null ? "the snapshot job is still running after " + CLEANBUF_WAIT
                    : "Broken FS: " + failure(launched.getId()));
        }
        m.put("execution", launched.getId());
        return m;
    }

    /**
     * The first line of a failed execution's stored exit description: the failure's message, with paths relative to
     * the home (the job listener stored it so), never the server's absolute paths.
     */
    private String failure(long executionId) {
        String d = jobs.view(executionId).exitDescription();
        return d == null || d.isBlank() ? "the snapshot job failed (execution " + executionId + ")"
                : d.lines().findFirst().orElse(d);
    }

    /** The status page: size, state, operator, files (what the Flask layer's {@code /} showed). */
    @GetMapping(path = "/dspage", produces = MediaType.TEXT_HTML_VALUE)
    @Operation(summary = "The buffer's status page (HTML): size, state, operator, files")
    public String dspage() throws IOException {
        BufferStatus s = buffer.describe();
        List<String> names = buffer.fileNames();
        StringBuilder b = new StringBuilder(1024 + names.size() * 48);
        b.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>drms-batch data buffer</title>")
                .append("<meta http-equiv=\"refresh\" content=\"10\"></head><body>\n<h1>Data buffer</h1>\n<table>\n");
        row(b, "State", s.state().name());
        row(b, "Buffer size (bytes)", Long.toString(s.stats().bytes()));
        row(b, "Threshold (bytes)", Long.toString(buffer.maxSize()));
        row(b, "Number of files", Long.toString(s.stats().files()));
        row(b, "Operator", s.user());
        row(b, "Since", s.since().toString());
        b.append("</table>\n<h2>Files</h2>\n<ol>\n");
        for (String n : names) {
            b.append("<li>").append(HtmlUtils.htmlEscape(n)).append("</li>\n");
        }
        b.append("</ol>\n</body></html>\n");
        return b.toString();
    }

    private static void row(StringBuilder b, String k, String v) {
        b.append("<tr><th>").append(k).append("</th><td>").append(HtmlUtils.htmlEscape(v == null ? "" : v))
                .append("</td></tr>\n");
    }

    /** Reads at most {@code limit} bytes; a longer body is refused without reading it all. */
    private byte[] readBody(HttpServletRequest request, long limit, boolean chunk) throws IOException {
        long declared = request.getContentLengthLong();
        if (declared > limit) {
            throw chunk ? buffer.tooLarge(declared) : new BadRequestException("the body is " + declared
                    + " bytes, over the limit of " + limit + " bytes");
        }
        try (InputStream in = request.getInputStream()) {
            if (declared >= 0) {
                // the length is known (and the server reads no further): into one array of that size, without the
                // growing and copying of reading to the end
                byte[] b = new byte[(int) declared];
                int n = in.readNBytes(b, 0, b.length);
                return n == b.length ? b : java.util.Arrays.copyOf(b, n); // cut short: the parser says where it ends
            }
            byte[] b = in.readNBytes((int) Math.min(limit + 1, Integer.MAX_VALUE - 8));
            if (b.length > limit) {
                throw chunk ? buffer.tooLarge(b.length) : new BadRequestException("the body is over the limit of "
                        + limit + " bytes");
            }
            return b;
        }
    }

    private JsonNode jsonObject(HttpServletRequest request, String expected) throws IOException {
        byte[] body = readBody(request, MAX_SMALL_BODY, false);
        JsonNode n;
        try {
            n = JSON.readTree(body);
        } catch (JacksonException e) {
            throw new BadRequestException("not JSON: " + e.getOriginalMessage().lines().findFirst().orElse("")
                    + "; expected " + expected);
        }
        if (n == null || !n.isObject()) {
            throw new BadRequestException("expected a JSON object " + expected);
        }
        return n;
    }

    private static String text(JsonNode body, String member) {
        JsonNode v = body.get(member);
        if (v == null || !v.isString()) {
            throw new BadRequestException("member " + member + " must be a string");
        }
        return v.asString();
    }
}
