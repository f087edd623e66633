package org.drmsbatch.api.site;

import static org.drmsbatch.api.site.Html.esc;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.query.SiteReads;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRequestException;
import org.drmsbatch.schedules.JobRun;
import org.drmsbatch.sums.Scrub;
import org.drmsbatch.sums.Sums;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * The status site's overview ({@code /status}: the database, the SUMS partitions' use against the scrub
 * watermarks, counts of series, records and running jobs) and its jobs pages ({@code /status/jobs}: running
 * executions with their step counts, recent runs with the reason of each failure, durations over time per job as
 * an SVG plot; {@code /status/jobs/{id}}: one execution, its steps and exit description, and a restart button).
 * Reads only: the restart button POSTs to the REST API ({@code /api/jobs/executions/{id}/restart}) from the
 * page's script with an {@code Authorization} header the operator types in (API token or user:password of an
 * operate user); no cookie or session is involved, so another site cannot make a browser restart anything.
 */
@RestController
public class JobsSiteController {

    /** Recent executions listed (and scanned for running ones). */
    static final int RECENT = 50;
    /** Points of a job's duration plot: its last runs. */
    static final int DURATIONS = 100;

    private final StatusNav nav;
    private final JobControl jobs;
    private final SiteReads reads;
    private final Sums sums;
    private final Scrub scrub;

    public JobsSiteController(StatusNav nav, JobControl jobs, Drms drms, Sums sums, Scrub scrub) {
        this.nav = nav;
        this.jobs = jobs;
        this.reads = new SiteReads(drms);
        this.sums = sums;
        this.scrub = scrub;
    }

    @GetMapping(value = {"/status", "/status/"}, produces = MediaType.TEXT_HTML_VALUE)
    public ResponseEntity<String> overview() {
        StringBuilder b = new StringBuilder();
        String db;
        boolean up;
        try {
            db = "PostgreSQL " + reads.databaseVersion();
            up = true;
        } catch (RuntimeException e) {
            db = e.getMessage();
            up = false;
        }
        b.append("<h2>Health</h2><table id=\"health\"><tr><th>database</th><td class=\"")
                .append(up ? "good\">up" : "bad\">down").append("</td><td>").append(esc(db)).append("</td></tr>");
        b.append("</table>");
        if (!up) {
            return nav.page(HttpStatus.SERVICE_UNAVAILABLE, "/status", "Overview", b.toString());
        }
        b.append(partitions(sums, scrub));
        List<SiteReads.SeriesCount> series = reads.series();
        long records = series.stream().mapToLong(SiteReads.SeriesCount::records).sum();
        boolean exact = series.stream().allMatch(SiteReads.SeriesCount::exact);
        List<JobRun> running = jobs.recent(null, RECENT).stream().filter(r -> !r.ended()).toList();
        b.append("<h2>Counts</h2><table id=\"counts\">")
                .append("<tr><th>series</th><td class=\"n\" id=\"count-series\">").append(series.size())
                .append("</td></tr><tr><th>records</th><td class=\"n\" id=\"count-records\">")
                .append(exact ? "" : "≈ ").append(records).append("</td></tr>")
                .append("<tr><th>running jobs</th><td class=\"n\" id=\"count-running\"><a href=\"/status/jobs\">")
                .append(running.size()).append("</a></td></tr></table>");
        return nav.page("/status", "Overview", b.toString());
    }

    /** The partitions table: use against the watermarks (shared with the storage page). */
    static String partitions(Sums sums, Scrub scrub) {
        StringBuilder b = new StringBuilder("<h2>SUMS partitions</h2><p>scrub high water ")
                .append(Html.percent(scrub.highWater())).append(", low water ").append(Html.percent(scrub.lowWater()))
                .append("</p><table id=\"partitions\"><tr><th>partition</th><th>use</th><th></th><th>state</th></tr>");
        for (Path p : sums.partitions()) {
            String use;
            String state;
            double u = Double.NaN;
            try {
                u = scrub.use(p);
                use = Html.percent(u);
                state = u > scrub.highWater() ? "<span class=\"bad\">above the high water</span>"
                        : u > scrub.lowWater() ? "<span class=\"warn\">above the low water</span>"
                        : "<span class=\"good\">ok</span>";
            } catch (RuntimeException e) {
                use = "?";
                state = "<span class=\"bad\">" + esc(e.getMessage()) + "</span>";
            }
            b.append("<tr class=\"partition\"><td>").append(esc(p.getFileName())).append("</td><td class=\"n use\">")
                    .append(use).append("</td><td>");
            if (!Double.isNaN(u)) {
                b.append("<span class=\"bar\"><i style=\"width:").append(Html.percent(Math.min(100, u)))
                        .append("\"></i><b class=\"lw\" style=\"left:").append(Html.percent(scrub.lowWater()))
                        .append("\"></b><b class=\"hw\" style=\"left:").append(Html.percent(scrub.highWater()))
                        .append("\"></b></span>");
            }
            b.append("</td><td>").append(state).append("</td></tr>");
        }
        return b.append("</table>").toString();
    }

    @GetMapping(value = "/status/jobs", produces = MediaType.TEXT_HTML_VALUE)
    public ResponseEntity<String> jobs() {
        List<JobRun> recent = jobs.recent(null, RECENT);
        StringBuilder b = new StringBuilder();
        List<JobRun> running = recent.stream().filter(r -> !r.ended()).toList();
        b.append("<h2>Running</h2>");
        if (running.isEmpty()) {
            b.append("<p id=\"running-none\">none</p>");
        } else {
            b.append("<table id=\"running\"><tr><th>execution</th><th>job</th><th>status</th><th>started</th>")
                    .append("<th>elapsed</th><th>progress (records; read / written per step)</th></tr>");
            for (JobRun r : running) {
                b.append("<tr class=\"run\"><td>").append(link(r)).append("</td><td>").append(esc(r.job()))
                        .append("</td><td>").append(esc(r.status())).append("</td><td>").append(Html.time(r.startTime()))
                        .append("</td><td>").append(r.startTime() == null ? ""
                                : Html.duration(Duration.between(r.startTime(), Instant.now())))
                        .append("</td><td>").append(progress(r)).append("</td></tr>");
            }
            b.append("</table>");
        }
        b.append("<h2>Recent runs</h2><table id=\"recent\"><tr><th>execution</th><th>job</th><th>status</th>")
                .append("<th>started</th><th>duration</th><th>exit</th><th>reason</th></tr>");
        for (JobRun r : recent) {
            b.append("<tr class=\"run ").append(esc(r.status().toLowerCase())).append("\"><td>").append(link(r))
                    .append("</td><td>").append(esc(r.job())).append("</td><td class=\"status\">")
                    .append(esc(r.status())).append("</td><td>").append(Html.time(r.startTime())).append("</td><td>")
                    .append(Html.duration(duration(r))).append("</td><td>").append(esc(r.exitCode()))
                    .append("</td><td class=\"reason\">").append("COMPLETED".equals(r.status()) ? ""
                            : esc(firstLine(r.exitDescription()))).append("</td></tr>");
        }
        b.append("</table><h2>Durations</h2>");
        Map<String, List<JobRun>> byJob = new LinkedHashMap<>();
        for (JobRun r : recent) {
            byJob.computeIfAbsent(r.job(), j -> new ArrayList<>());
        }
        for (String job : byJob.keySet()) {
            b.append("<h3>").append(esc(job)).append("</h3><div class=\"durations\" data-job=\"").append(esc(job))
                    .append("\">").append(durationPlot(jobs.recent(job, DURATIONS))).append("</div>");
        }
        return nav.page("/status/jobs", "Jobs", b.toString());
    }

    /** One point per ended run with a start and an end: its duration in seconds over its start time. */
    static String durationPlot(List<JobRun> runs) {
        SvgPlot plot = new SvgPlot(640, 200, "start (UTC)", "seconds")
                .xFormat(x -> Html.time(Instant.ofEpochMilli((long) (x * 1000))).substring(5, 16));
        for (JobRun r : runs) {
            Duration d = duration(r);
            if (r.ended() && d != null) {
                plot.add(r.startTime().toEpochMilli() / 1000.0, d.toMillis() / 1000.0,
                        "#" + r.executionId() + " " + r.status() + " " + Html.duration(d));
            }
        }
        return plot.render();
    }

    static Duration duration(JobRun r) {
        if (r.startTime() == null || r.endTime() == null) {
            return null;
        }
        return Duration.between(r.startTime(), r.endTime());
    }

    private static String link(JobRun r) {
        return "<a href=\"/status/jobs/" + r.executionId() + "\">" + r.executionId() + "</a>";
    }

    /**
     * A running job's progress: its records by state when it keeps record status (rescale, export: its input queued
     * at its start), then each step's counts.
     */
    private String progress(JobRun r) {
        StringBuilder b = new StringBuilder();
        Map<String, Long> records = reads.progress(r.executionId());
        long total = records.values().stream().mapToLong(Long::longValue).sum();
        if (total > 0) {
            long good = records.get("good");
            b.append("<div class=\"records\">records: <span class=\"good\">").append(good)
                    .append("</span> of <span class=\"total\">").append(total).append("</span> done (")
                    .append(String.format(java.util.Locale.ROOT, "%.0f", 100.0 * good / total)).append(" %), ")
                    .append(records.get("in_progress")).append(" in progress, ").append(records.get("failed"))
                    .append(" failed</div>");
        }
        for (JobRun.Step s : r.steps()) {
            b.append("<div class=\"step\">").append(esc(s.name())).append(": read <span class=\"read\">")
                    .append(s.read()).append("</span>, written <span class=\"write\">").append(s.write())
                    .append("</span>, skipped ").append(s.skip()).append(", commits ").append(s.commit())
                    .append(" (").append(esc(s.status())).append(")</div>");
        }
        return b.toString();
    }

    static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 300 ? line.substring(0, 300) + "…" : line;
    }

    @GetMapping(value = "/status/jobs/{id}", produces = MediaType.TEXT_HTML_VALUE)
    public ResponseEntity<String> execution(@PathVariable long id) {
        JobRun r;
        try {
            r = jobs.view(id);
        } catch (JobRequestException e) {
            return nav.page(HttpStatus.NOT_FOUND, "/status/jobs", "Execution " + id,
                    "<p class=\"bad\">" + esc(e.getMessage()) + "</p>");
        }
        StringBuilder b = new StringBuilder("<table id=\"execution\">");
        row(b, "job", esc(r.job()));
        row(b, "status", "<span id=\"status\">" + esc(r.status()) + "</span>");
        row(b, "exit code", esc(r.exitCode()));
        row(b, "started", Html.time(r.startTime()));
        row(b, "ended", Html.time(r.endTime()));
        row(b, "duration", Html.duration(duration(r)));
        row(b, "owner", esc(r.owner()));
        row(b, "output", esc(r.output()));
        StringBuilder params = new StringBuilder();
        r.parameters().forEach((k, v) -> params.append(esc(k)).append('=').append(esc(v)).append("<br>"));
        row(b, "parameters", params.toString());
        b.append("</table>");
        if (!r.exitDescription().isEmpty()) {
            b.append("<h2>Exit description</h2><pre id=\"reason\">").append(esc(r.exitDescription()))
                    .append("</pre>");
        }
        b.append("<h2>Steps</h2><table id=\"steps\"><tr><th>step</th><th>status</th><th>read</th><th>written</th>")
                .append("<th>filtered</th><th>skipped</th><th>commits</th><th>rollbacks</th><th>duration</th></tr>");
        for (JobRun.Step s : r.steps()) {
            b.append("<tr><td>").append(esc(s.name())).append("</td><td>").append(esc(s.status()))
                    .append("</td><td class=\"n\">").append(s.read()).append("</td><td class=\"n\">").append(s.write())
                    .append("</td><td class=\"n\">").append(s.filter()).append("</td><td class=\"n\">")
                    .append(s.skip()).append("</td><td class=\"n\">").append(s.commit())
                    .append("</td><td class=\"n\">").append(s.rollback()).append("</td><td>")
                    .append(s.startTime() == null || s.endTime() == null ? ""
                            : Html.duration(Duration.between(s.startTime(), s.endTime())))
                    .append("</td></tr>");
        }
        b.append("</table>");
        if (r.ended() && !"COMPLETED".equals(r.status()) && !"ABANDONED".equals(r.status())) {
            b.append(restartButton(r.executionId()));
        }
        return nav.page("/status/jobs", "Execution " + r.executionId(), b.toString());
    }

    private static void row(StringBuilder b, String name, String html) {
        b.append("<tr><th>").append(name).append("</th><td>").append(html).append("</td></tr>");
    }

    /**
     * The restart button: a confirmation, then the credentials (API token, or user:password of an operate user),
     * then {@code POST /api/jobs/executions/{id}/restart} with an Authorization header; the answer (the new
     * execution, or the problem's detail) is shown.
     */
    static String restartButton(long id) {
        return """
                <h2>Restart</h2><p><button id="restart" data-execution="%d">Restart execution %d…</button>
                <span id="restart-result"></span></p>
                <script>
                document.getElementById('restart').addEventListener('click', async (e) => {
                  const id = e.target.dataset.execution;
                  if (!confirm('Restart execution ' + id + ' after its last committed chunk?')) return;
                  const cred = prompt('API token, or user:password of a user with the operate role');
                  if (!cred) return;
                  const auth = cred.includes(':') ? 'Basic ' + btoa(cred) : 'Bearer ' + cred;
                  const out = document.getElementById('restart-result');
                  try {
                    const r = await fetch('/api/jobs/executions/' + id + '/restart',
                        {method: 'POST', headers: {'Authorization': auth}, credentials: 'omit'});
                    const j = await r.json().catch(() => ({}));
                    if (r.ok) {
                      out.textContent = 'restarted as execution ' + j.executionId;
                      location.href = '/status/jobs/' + j.executionId;
                    } else {
                      out.textContent = 'refused (' + r.status + '): ' + (j.detail || j.title || '');
                    }
                  } catch (err) {
                    out.textContent = 'failed: ' + err;
                  }
                });
                </script>
                """.formatted(id, id);
    }
}
