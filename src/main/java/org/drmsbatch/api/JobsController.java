package org.drmsbatch.api;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRequestException;
import org.drmsbatch.schedules.JobRun;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Job control over REST, for Airflow, scripts and the status page. Parameters are a JSON object of
 * {@code name: value} (values in Spring Batch's text notation {@code value[,type[,identifying]]}; numbers and
 * booleans are taken as their text) or query parameters. Errors are problem JSON (see {@link JobProblems}).
 */
@RestController
@RequestMapping("/api/jobs")
@Tag(name = "Jobs", description = "Start, follow, restart, stop and recover the Spring Batch jobs")
public class JobsController {

    private final JobControl jobs;

    public JobsController(JobControl jobs) {
        this.jobs = jobs;
    }

    /** The job names. */
    @GetMapping
    @Operation(summary = "The job names")
    @ApiResponse(responseCode = "200", description = "OK",
            content = @Content(schema = @Schema(implementation = ApiShapes.JobNames.class)))
    public Map<String, List<String>> jobs() {
        return Map.of("jobs", jobs.jobNames());
    }

    /**
     * What a job takes: its name and its parameter names, required and optional, sorted (both null when the job does
     * not say). A client learns from them whether the job takes {@code run}, the parameter that names a job instance
     * (see {@link JobControl#withRun}), so that a retried launch can give the same one.
     *
     * @param name     the job's name
     * @param required the parameters it needs, or null when it does not say
     * @param optional the parameters it also takes, or null when it does not say
     */
    public record JobDescription(String name, List<String> required, List<String> optional) {
    }

    /** One job and its parameter names. */
    @GetMapping("/{name}")
    @Operation(summary = "One job and its parameter names, required and optional",
            description = "Both null when the job does not say. A job that takes `run` names its job instance by it.")
    public JobDescription job(@PathVariable String name) {
        jobs.job(name); // 404 for an unknown job
        return jobs.parameterNames(name).map(p -> new JobDescription(name, p.required().stream().sorted().toList(),
                p.optional().stream().sorted().toList())).orElse(new JobDescription(name, null, null));
    }

    /** Starts a job: 202 with the execution and its Location. */
    @PostMapping("/{name}")
    @Operation(summary = "Start a job", description = "Parameters as a JSON object or query parameters (both: the "
            + "body's win). 202 with the execution and its Location.",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = false,
                    content = @Content(schema = @Schema(implementation = ApiShapes.JobParameters.class))))
    @ApiResponse(responseCode = "202", description = "Started: the execution; Location /api/jobs/executions/{id}")
    @ApiResponse(responseCode = "400", description = "A bad or missing parameter, named")
    @ApiResponse(responseCode = "404", description = "No job of this name")
    @ApiResponse(responseCode = "409", description = "Its job instance (the same identifying parameters) runs or "
            + "completed: executionId names that execution")
    public ResponseEntity<JobRun> start(@PathVariable String name,
            @Parameter(required = false, description = "job parameters as query parameters, name=value")
            @RequestParam Map<String, String> query,
            @RequestBody(required = false) Map<String, Object> body) {
        JobRun run = jobs.start(name, parameters(query, body));
        return accepted(run);
    }

    @GetMapping("/executions/{id}")
    @Operation(summary = "An execution", description = "Status, exit status and description, parameters, each "
            + "step's counts, and output: the records it made as a record-set query, or null.")
    @ApiResponse(responseCode = "200", description = "OK")
    @ApiResponse(responseCode = "404", description = "No execution of this id")
    public JobRun execution(@PathVariable long id) {
        return jobs.view(id);
    }

    /** Recent executions, newest first; {@code job} limits them to one job. */
    @GetMapping("/executions")
    @Operation(summary = "Recent executions, newest first", description = "At most limit; job limits them to one "
            + "job.")
    public List<JobRun> executions(@RequestParam(defaultValue = "20") int limit,
            @RequestParam(required = false) String job) {
        return jobs.recent(job, limit);
    }

    /** Restarts a failed or stopped execution; parameters given replace the original's non-identifying ones. */
    @PostMapping("/executions/{id}/restart")
    @Operation(summary = "Restart a failed or stopped execution", description = "Parameters given replace the "
            + "original's non-identifying ones. 202 with the new execution and its Location.",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = false,
                    content = @Content(schema = @Schema(implementation = ApiShapes.JobParameters.class))))
    @ApiResponse(responseCode = "202", description = "Restarted: the new execution")
    @ApiResponse(responseCode = "409", description = "The execution runs, completed, or its job is not restartable")
    public ResponseEntity<JobRun> restart(@PathVariable long id,
            @Parameter(required = false, description = "job parameters as query parameters, name=value")
            @RequestParam Map<String, String> query,
            @RequestBody(required = false) Map<String, Object> body) {
        return accepted(jobs.restart(id, parameters(query, body)));
    }

    @PostMapping("/executions/{id}/stop")
    @Operation(summary = "Stop a running execution", description = "It stops at its next chunk boundary; 202 with "
            + "the execution.")
    @ApiResponse(responseCode = "202", description = "Stopping: the execution")
    @ApiResponse(responseCode = "409", description = "The execution is not running")
    public ResponseEntity<JobRun> stop(@PathVariable long id) {
        return ResponseEntity.accepted().body(jobs.stop(id));
    }

    /** Marks an execution left running by a dead process FAILED, so that it can be restarted. */
    @PostMapping("/executions/{id}/recover")
    @Operation(summary = "Recover an execution left running by a dead process",
            description = "Marks it FAILED, so that it can be restarted. Needs the role admin: it overrules the check "
                    + "that its owner is dead.")
    @ApiResponse(responseCode = "200", description = "Recovered: the execution, now FAILED")
    @ApiResponse(responseCode = "403", description = "The credentials' roles do not include admin")
    @ApiResponse(responseCode = "409", description = "The execution is not left running, or its owner is alive")
    public JobRun recover(@PathVariable long id) {
        return jobs.recover(id);
    }

    private static ResponseEntity<JobRun> accepted(JobRun run) {
        return ResponseEntity.accepted().location(URI.create("/api/jobs/executions/" + run.executionId()))
                .body(run);
    }

    private static Map<String, String> parameters(Map<String, String> query, Map<String, Object> body) {
        Map<String, String> params = new LinkedHashMap<>(query);
        if (body != null) {
            body.forEach((k, v) -> {
                if (v instanceof Map || v instanceof List) {
                    throw new JobRequestException(JobRequestException.Reason.INVALID,
                            "job parameter '" + k + "' must be a string, number or boolean");
                }
                params.put(k, v == null ? "" : String.valueOf(v));
            });
        }
        return params;
    }
}
