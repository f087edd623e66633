package org.drmsbatch.api.site;

import static org.drmsbatch.api.site.Html.esc;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.drmsbatch.buffer.BufferStatus;
import org.drmsbatch.buffer.Chunk;
import org.drmsbatch.buffer.DataBuffer;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.query.SiteReads;
import org.drmsbatch.schedules.Schedules;
import org.drmsbatch.staging.StagingRequest;
import org.drmsbatch.staging.StagingStore;
import org.drmsbatch.sums.Scrub;
import org.drmsbatch.sums.Sums;
import org.drmsbatch.sums.tape.TapeArchive;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The status site's storage panels, each from the existing report of its part (no SQL here):
 * {@code /status/storage} (partitions against the scrub watermarks, {@link Scrub#use}; storage units online,
 * offline, archived, waiting for archive, {@link SiteReads#units}), {@code /status/buffer} (the strain buffer's
 * state and counters, {@link DataBuffer#describe}, and the samples of its last {@value #BUFFER_CHUNKS} chunks as an
 * SVG plot), {@code /status/tape} ({@link TapeArchive#report}), {@code /status/staging} ({@link StagingStore#stats}
 * and its live requests) and {@code /status/schedules} ({@link Schedules#list}). A part that is not configured in
 * this server says so.
 */
@RestController
public class StorageSiteController {

    /** The buffer plot shows the samples of the last chunks, at most {@value #BUFFER_POINTS} points. */
    static final int BUFFER_CHUNKS = 5;
    static final int BUFFER_POINTS = 2000;

    private final StatusNav nav;
    private final Sums sums;
    private final Scrub scrub;
    private final SiteReads reads;
    private final ObjectProvider<DataBuffer> buffer;
    private final ObjectProvider<TapeArchive> tape;
    private final ObjectProvider<StagingStore> staging;
    private final ObjectProvider<Schedules> schedules;

    public StorageSiteController(StatusNav nav, Sums sums, Scrub scrub, Drms drms, ObjectProvider<DataBuffer> buffer,
            ObjectProvider<TapeArchive> tape, ObjectProvider<StagingStore> staging,
            ObjectProvider<Schedules> schedules) {
        this.nav = nav;
        this.sums = sums;
        this.scrub = scrub;
        this.reads = new SiteReads(drms);
        this.buffer = buffer;
        this.tape = tape;
        this.staging = staging;
        this.schedules = schedules;
    }

    @GetMapping(value = "/status/storage", produces = MediaType.TEXT_HTML_VALUE)
    public ResponseEntity<String> storage() {
        StringBuilder b = new StringBuilder(JobsSiteController.partitions(sums, scrub));
        b.append("<h2>Storage units</h2><table id=\"units\">");
        for (Map.Entry<String, Long> e : reads.units().entrySet()) {
            b.append("<tr><th>").append(esc(e.getKey())).append("</th><td class=\"n\" data-state=\"")
                    .append(esc(e.getKey())).append("\">").append(e.getValue()).append("</td></tr>");
        }
        b.append("</table>");
        return nav.page("/status/storage", "Storage", b.toString());
    }

    @GetMapping(value = "/status/buffer", produces = MediaType.TEXT_HTML_VALUE)
    public ResponseEntity<String> buffer() throws IOException {
        DataBuffer buf = buffer.getIfAvailable();
        if (buf == null) {
            return nav.page("/status/buffer", "Buffer", "<p id=\"none\">No strain buffer in this server.</p>");
        }
        BufferStatus st = buf.describe();
        StringBuilder b = new StringBuilder("<table id=\"buffer\">")
                .append("<tr><th>state</th><td id=\"state\">").append(esc(st.state())).append("</td></tr>")
                .append("<tr><th>set by</th><td>").append(esc(st.user())).append("</td></tr>")
                .append("<tr><th>since</th><td>").append(Html.time(st.since())).append("</td></tr>")
                .append("<tr><th>chunks</th><td class=\"n\" id=\"chunks\">").append(st.stats().files())
                .append("</td></tr><tr><th>bytes</th><td class=\"n\" id=\"bytes\">").append(st.stats().bytes())
                .append("</td></tr><tr><th>limit</th><td class=\"n\">").append(Html.bytes(buf.maxSize()))
                .append("</td></tr></table>");
        List<String> names = buf.fileNames();
        List<Chunk> last = new ArrayList<>();
        for (String name : names.subList(Math.max(0, names.size() - BUFFER_CHUNKS), names.size())) {
            try {
                last.add(buf.read(name));
            } catch (IOException | RuntimeException e) {
                // gone meanwhile (a snapshot moved it) or unreadable (collect rejects it): not plotted
            }
        }
        b.append("<h2>Strain of the last ").append(last.size()).append(last.size() == 1 ? " chunk" : " chunks")
                .append("</h2><div id=\"strain\">").append(strainPlot(last)).append("</div>");
        return nav.page("/status/buffer", "Buffer", b.toString());
    }

    /** The chunks' samples h over t0 + i·dt; every k-th sample when there are more than {@link #BUFFER_POINTS}. */
    static String strainPlot(List<Chunk> chunks) {
        long total = chunks.stream().mapToLong(c -> c.h().length).sum();
        int stride = (int) Math.max(1, (total + BUFFER_POINTS - 1) / BUFFER_POINTS);
        SvgPlot plot = new SvgPlot(720, 240, "t (s)", "strain");
        for (Chunk c : chunks) {
            for (int i = 0; i < c.h().length; i += stride) {
                plot.add(c.t0() + i * c.dt(), c.h()[i], null);
            }
        }
        return plot.render();
    }

    @GetMapping(value = "/status/tape", produces = MediaType.TEXT_HTML_VALUE)
    public ResponseEntity<String> tape() {
        TapeArchive t = tape.getIfAvailable();
        if (t == null) {
            return nav.page("/status/tape", "Tape", "<p id=\"none\">No tape library (drms.tape.directory or"
                    + " drms.tape.remote.url) in this server.</p>");
        }
        TapeArchive.Report r = t.report(List.of(), List.of());
        StringBuilder b = new StringBuilder("<p>drives: ").append(t.library().drives()).append("</p>")
                .append("<table id=\"volumes\"><tr><th>volume</th><th>group</th><th>files</th><th>bytes</th>")
                .append("<th>capacity</th><th>state</th></tr>");
        for (TapeArchive.Volume v : r.volumes()) {
            b.append("<tr class=\"volume\"><td>").append(esc(v.tapeid())).append("</td><td class=\"n\">")
                    .append(v.group()).append("</td><td class=\"n\">").append(v.files()).append("</td><td class=\"n\">")
                    .append(Html.bytes(v.end())).append("</td><td class=\"n\">").append(Html.bytes(v.capacity()))
                    .append("</td><td>").append(v.damaged() != null ? "damaged: " + esc(v.damaged())
                            : v.closed() ? "full" : "open").append("</td></tr>");
        }
        b.append("</table>");
        return nav.page("/status/tape", "Tape", b.toString());
    }

    @GetMapping(value = "/status/staging", produces = MediaType.TEXT_HTML_VALUE)
    public ResponseEntity<String> staging() {
        StagingStore s = staging.getIfAvailable();
        if (s == null) {
            return nav.page("/status/staging", "Staging", "<p id=\"none\">No staging in this server.</p>");
        }
        StagingStore.Stats st = s.stats();
        StringBuilder b = new StringBuilder("<table id=\"staging-stats\">");
        stat(b, "requests complete", st.completedJobs());
        stat(b, "requests incomplete", st.incompleteJobs());
        stat(b, "files ready", st.readyFiles());
        stat(b, "files failed", st.errorFiles());
        stat(b, "files waiting", st.waitingFiles());
        stat(b, "callback failures", st.callbackFailures());
        b.append("</table><h2>Live requests</h2><table id=\"requests\"><tr><th>id</th><th>kind</th><th>state</th>")
                .append("<th>files</th><th>ready</th><th>failed</th><th>created</th><th>expires</th><th>comment</th></tr>");
        for (StagingRequest r : s.requests(null, true, 100)) {
            b.append("<tr class=\"request\"><td>").append(r.id()).append("</td><td>").append(esc(r.kind()))
                    .append("</td><td>").append(esc(r.state())).append("</td><td class=\"n\">").append(r.totalFiles())
                    .append("</td><td class=\"n\">").append(r.readyFiles()).append("</td><td class=\"n\">")
                    .append(r.errorFiles()).append("</td><td>").append(Html.time(r.created())).append("</td><td>")
                    .append(Html.time(r.expires())).append("</td><td>").append(esc(r.comment())).append("</td></tr>");
        }
        b.append("</table>");
        return nav.page("/status/staging", "Staging", b.toString());
    }

    private static void stat(StringBuilder b, String name, long value) {
        b.append("<tr><th>").append(name).append("</th><td class=\"n\">").append(value).append("</td></tr>");
    }

    @GetMapping(value = "/status/schedules", produces = MediaType.TEXT_HTML_VALUE)
    public ResponseEntity<String> schedules() throws Exception {
        Schedules s = schedules.getIfAvailable();
        if (s == null) {
            return nav.page("/status/schedules", "Schedules", "<p id=\"none\">No scheduler in this server.</p>");
        }
        StringBuilder b = new StringBuilder("<table id=\"schedules\"><tr><th>schedule</th><th>cron</th><th>job</th>")
                .append("<th>state</th><th>next fire</th><th>last fire</th><th>outcome</th><th>run</th></tr>");
        for (Schedules.View v : s.list()) {
            b.append("<tr class=\"schedule\"><td>").append(esc(v.name())).append("</td><td>").append(esc(v.cron()))
                    .append(' ').append(esc(v.timeZone())).append("</td><td>").append(esc(v.job())).append("</td><td>")
                    .append(esc(v.enabled() ? v.state() : "disabled")).append("</td><td>")
                    .append(Html.time(v.nextFire())).append("</td><td>")
                    .append(v.lastFire() == null ? "" : Html.time(v.lastFire().firedAt())).append("</td><td>")
                    .append(v.lastFire() == null ? "" : esc(v.lastFire().outcome())).append("</td><td>");
            if (v.lastFire() != null && v.lastFire().executionId() != null) {
                b.append("<a href=\"/status/jobs/").append(v.lastFire().executionId()).append("\">")
                        .append(v.lastFire().executionId()).append("</a> ").append(esc(v.lastRunStatus()));
            }
            b.append("</td></tr>");
        }
        b.append("</table>");
        return nav.page("/status/schedules", "Schedules", b.toString());
    }
}
