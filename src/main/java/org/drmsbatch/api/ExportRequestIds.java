package org.drmsbatch.api;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRequestException;
import org.drmsbatch.schedules.JobRun;
import org.springframework.stereotype.Component;

/**
 * Export request ids as JSOC makes them, {@code JSOC_<yyyymmdd>_<n>} (UTC date), each the identifying parameter
 * {@code requestId} of one instance of the {@code export} job: the job repository is the durable map from a request
 * to its runs.
 */
@Component
public class ExportRequestIds {

    /** The job that makes exports. */
    static final String JOB = "export";
    /** The export job's parameter that holds the request id. */
    static final String PARAMETER = "requestId";

    private final JobControl jobs;

    public ExportRequestIds(JobControl jobs) {
        this.jobs = jobs;
    }

    /**
     * Starts the export job with these parameters under a new request id, and returns the id: n is one more than
     * the largest of the day in the job repository; a request started at the same moment by another process takes
     * the next.
     */
    synchronized String startExport(Map<String, String> parameters) {
        String prefix = "JSOC_" + LocalDate.now(ZoneOffset.UTC).format(DateTimeFormatter.BASIC_ISO_DATE) + "_";
        long next = jobs.largestNumberedValue(PARAMETER, prefix) + 1;
        for (int attempt = 0; ; attempt++, next++) {
            String requestId = prefix + next;
            Map<String, String> values = new LinkedHashMap<>(parameters);
            values.put(PARAMETER, requestId);
            try {
                jobs.startWithValues(JOB, values, Set.of(PARAMETER));
                return requestId;
            } catch (JobRequestException e) {
                if (e.reason() == JobRequestException.Reason.CONFLICT && attempt < 20) {
                    continue; // that id was just taken
                }
                throw new JsocExport.Refusal(JsocExport.ERROR, "Cannot start the export: " + e.getMessage());
            }
        }
    }

    /** The latest run of the export job for a request id (a restart is a new run), if there is one. */
    Optional<JobRun> latestRun(String requestId) {
        return jobs.latestRunWith(JOB, PARAMETER, requestId);
    }
}
