package org.drmsbatch.api;

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
public class JobsController {

    private final JobControl jobs;

    public JobsController(JobControl jobs) {
        this.jobs = jobs;
    }

    /** The job names. */
    @GetMapping
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
    public JobDescription job(@PathVariable String name) {
        jobs.job(name); // 404 for an unknown job
        return jobs.parameterNames(name).map(p -> new JobDescription(name, p.required().stream().sorted().toList(),
                p.optional().stream().sorted().toList())).orElse(new JobDescription(name, null, null));
    }

    /** Starts a job: 202 with the execution and its Location. */
    @PostMapping("/{name}")
    public ResponseEntity<JobRun> start(@PathVariable String name, @RequestParam Map<String, String> query,
            @RequestBody(required = false) Map<String, Object> body) {
        JobRun run = jobs.start(name, parameters(query, body));
        return accepted(run);
    }

    @GetMapping("/executions/{id}")
    public JobRun execution(@PathVariable long id) {
        return jobs.view(id);
    }

    /** Recent executions, newest first; {@code job} limits them to one job. */
    @GetMapping("/executions")
    public List<JobRun> executions(@RequestParam(defaultValue = "20") int limit,
            @RequestParam(required = false) String job) {
        return jobs.recent(job, limit);
    }

    /** Restarts a failed or stopped execution; parameters given replace the original's non-identifying ones. */
    @PostMapping("/executions/{id}/restart")
    public ResponseEntity<JobRun> restart(@PathVariable long id, @RequestParam Map<String, String> query,
            @RequestBody(required = false) Map<String, Object> body) {
        return accepted(jobs.restart(id, parameters(query, body)));
    }

    @PostMapping("/executions/{id}/stop")
    public ResponseEntity<JobRun> stop(@PathVariable long id) {
        return ResponseEntity.accepted().body(jobs.stop(id));
    }

    /** Marks an execution left running by a dead process FAILED, so that it can be restarted. */
    @PostMapping("/executions/{id}/recover")
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
