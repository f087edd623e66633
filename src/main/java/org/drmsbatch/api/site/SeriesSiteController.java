package org.drmsbatch.api.site;

import static org.drmsbatch.api.site.Html.esc;

import java.util.List;
import java.util.Map;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsException;
import org.drmsbatch.drms.KeywordDef;
import org.drmsbatch.drms.SeriesDefinition;
import org.drmsbatch.drms.query.SiteReads;
import org.drmsbatch.drms.types.DrmsType;
import org.drmsbatch.segments.Preview;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The status site's series pages: {@code /status/series} (every series with its record count, see
 * {@link SiteReads.SeriesCount} for how it is counted cheaply), {@code /status/series/{name}} (its latest records
 * and, with {@code ?key=KEYWORD}, the keyword's trend over the last {@value #TREND_POINTS} records as an SVG plot,
 * over the series' time prime key, else recnum), {@code /status/records/{series}/{recnum}} (a record's keywords, links and segments, with a preview of
 * each 2-D image segment) and {@code /status/records/{series}/{recnum}/preview/{segment}.png} (that preview:
 * {@link Preview}, 0.5–99.5 percentile clipping, or with {@code ?scale=zscale} IRAF's zscale, grey, at most
 * {@value #PREVIEW_SIDE} px on its longer side; the record page links both).
 */
@RestController
public class SeriesSiteController {

    static final int LATEST = 20;
    static final int TREND_POINTS = 1000;
    static final int PREVIEW_SIDE = 512;

    private final StatusNav nav;
    private final SiteReads reads;
    private final Drms drms;

    public SeriesSiteController(StatusNav nav, Drms drms) {
        this.nav = nav;
        this.drms = drms;
        this.reads = new SiteReads(drms);
    }

    @GetMapping(value = "/status/series", produces = MediaType.TEXT_HTML_VALUE)
    public ResponseEntity<String> series() {
        StringBuilder b = new StringBuilder("<table id=\"series\"><tr><th>series</th><th>records</th>")
                .append("<th>keywords</th><th>segments</th><th>description</th></tr>");
        for (SiteReads.SeriesCount s : reads.series()) {
            b.append("<tr class=\"series\"><td><a href=\"/status/series/").append(esc(Html.path(s.name())))
                    .append("\">").append(esc(s.name())).append("</a></td><td class=\"n records\">")
                    .append(s.exact() ? "" : "≈ ").append(s.records()).append("</td><td class=\"n\">")
                    .append(s.keywords()).append("</td><td class=\"n\">").append(s.segments()).append("</td><td>")
                    .append(esc(s.description())).append("</td></tr>");
        }
        b.append("</table><p>Counts are exact for tables up to ").append(Html.bytes(SiteReads.EXACT_COUNT_BYTES))
                .append("; ≈ marks PostgreSQL's estimate for larger ones.</p>");
        return nav.page("/status/series", "Series", b.toString());
    }

    @GetMapping(value = "/status/series/{name}", produces = MediaType.TEXT_HTML_VALUE)
    public ResponseEntity<String> oneSeries(@PathVariable String name,
            @RequestParam(name = "key", required = false) String key) {
        SeriesDefinition d = drms.describeSeries(name);
        SiteReads.SeriesCount count = reads.series(d.name());
        List<KeywordDef> shown = SiteReads.shownKeywords(d).stream().filter(k -> !k.isLink()).toList();
        StringBuilder b = new StringBuilder("<p>").append(esc(d.description())).append("</p><p>records: <span id=\"records\">")
                .append(count.exact() ? "" : "≈ ").append(count.records()).append("</span></p>");
        b.append("<h2>Keyword trend</h2><form method=\"get\"><select name=\"key\">");
        for (KeywordDef k : shown) {
            if (k.isColumn() && k.type() != DrmsType.STRING) {
                b.append("<option").append(k.name().equals(key) ? " selected" : "").append(">").append(esc(k.name()))
                        .append("</option>");
            }
        }
        b.append("</select> <button>plot</button></form>");
        if (key != null && !key.isBlank()) {
            SiteReads.Trend trend;
            try {
                trend = reads.trend(d.name(), key, TREND_POINTS);
            } catch (DrmsException e) {
                return nav.page(HttpStatus.BAD_REQUEST, "/status/series", d.name(),
                        "<p class=\"bad\" id=\"error\">" + esc(e.getMessage()) + "</p>");
            }
            b.append(trendPlot(key, trend));
        }
        b.append("<h2>Latest records</h2><table id=\"latest\"><tr><th>recnum</th>");
        for (KeywordDef k : shown) {
            b.append("<th>").append(esc(k.name())).append("</th>");
        }
        b.append("</tr>");
        for (SiteReads.RecordRow r : reads.latest(d.name(), LATEST)) {
            b.append("<tr class=\"record\"><td><a href=\"/status/records/").append(esc(Html.path(d.name())))
                    .append('/').append(r.recnum()).append("\">").append(r.recnum()).append("</a></td>");
            for (KeywordDef k : shown) {
                b.append("<td>").append(esc(r.keywords().get(k.name()))).append("</td>");
            }
            b.append("</tr>");
        }
        b.append("</table>");
        return nav.page("/status/series", d.name(), b.toString());
    }

    @GetMapping(value = "/status/records/{series}/{recnum}", produces = MediaType.TEXT_HTML_VALUE)
    public ResponseEntity<String> record(@PathVariable String series, @PathVariable long recnum) {
        SiteReads.RecordPage page = reads.record(series, recnum).orElse(null);
        if (page == null) {
            return nav.page(HttpStatus.NOT_FOUND, "/status/series", series + " #" + recnum,
                    "<p class=\"bad\">No record " + recnum + " in " + esc(series) + "</p>");
        }
        String s = Html.path(page.series());
        StringBuilder b = new StringBuilder("<p><a href=\"/status/series/").append(esc(s)).append("\">")
                .append(esc(page.series())).append("</a>, storage unit ").append(page.row().sunum()).append("</p>");
        b.append("<h2>Keywords</h2><table id=\"keywords\"><tr><th>keyword</th><th>value</th><th>unit</th></tr>");
        for (Map.Entry<String, String> k : page.row().keywords().entrySet()) {
            b.append("<tr><th>").append(esc(k.getKey())).append("</th><td class=\"value\">").append(esc(k.getValue()))
                    .append("</td><td>").append(esc(page.units().get(k.getKey()))).append("</td></tr>");
        }
        b.append("</table>");
        if (!page.links().isEmpty()) {
            b.append("<h2>Links</h2><table id=\"links\"><tr><th>link</th><th>target</th></tr>");
            for (SiteReads.LinkInfo l : page.links()) {
                b.append("<tr><th>").append(esc(l.name())).append("</th><td>");
                if (l.targetRecnum() == null) {
                    b.append(esc(l.targetSeries())).append(": not set");
                } else {
                    b.append("<a href=\"/status/records/").append(esc(Html.path(l.targetSeries()))).append('/')
                            .append(l.targetRecnum()).append("\">").append(esc(l.targetSeries())).append(" #")
                            .append(l.targetRecnum()).append("</a>");
                }
                b.append("</td></tr>");
            }
            b.append("</table>");
        }
        b.append("<h2>Segments</h2><table id=\"segments\"><tr><th>segment</th><th>type</th><th>dimensions</th>")
                .append("<th>file</th><th>online</th></tr>");
        for (SiteReads.SegmentInfo g : page.segments()) {
            b.append("<tr><th>").append(esc(g.name())).append("</th><td>").append(esc(g.type())).append("</td><td>")
                    .append(esc(String.join(" × ", g.dims().stream().map(String::valueOf).toList())))
                    .append("</td><td>").append(esc(g.file())).append("</td><td>").append(g.online() ? "yes" : "no")
                    .append("</td></tr>");
        }
        b.append("</table>");
        for (SiteReads.SegmentInfo g : page.segments()) {
            if (g.image()) {
                b.append("<h3>").append(esc(g.name())).append("</h3><img class=\"preview\" alt=\"")
                        .append(esc(g.name())).append("\" src=\"/status/records/").append(esc(s)).append('/')
                        .append(recnum).append("/preview/").append(esc(Html.path(g.name()))).append(".png\">")
                        .append("<p><a href=\"/status/records/").append(esc(s)).append('/').append(recnum)
                        .append("/preview/").append(esc(Html.path(g.name())))
                        .append(".png?scale=zscale\">zscale</a></p>");
            }
        }
        return nav.page("/status/series", page.series() + " #" + recnum, b.toString());
    }

    @GetMapping(value = "/status/records/{series}/{recnum}/preview/{segment}.png", produces = MediaType.IMAGE_PNG_VALUE)
    public ResponseEntity<byte[]> preview(@PathVariable String series, @PathVariable long recnum,
            @PathVariable String segment, @RequestParam(name = "scale", defaultValue = "percentile") String scale) {
        Preview.Scale how;
        if ("percentile".equals(scale)) {
            how = Preview.Scale.PERCENTILE;
        } else if ("zscale".equals(scale)) {
            how = Preview.Scale.ZSCALE;
        } else {
            return ResponseEntity.badRequest().header("X-Reason", "scale must be percentile or zscale").build();
        }
        SiteReads.Image img;
        try {
            img = reads.image(series, recnum, segment);
        } catch (DrmsException e) {
            // no such series, record or segment, not 2-D, offline or never written: no image
            return ResponseEntity.status(HttpStatus.NOT_FOUND).header("X-Reason", e.getMessage()
                    .replaceAll("[^\\x20-\\x7e]", "?")).build();
        }
        return ResponseEntity.ok().contentType(MediaType.IMAGE_PNG).header("Cache-Control", "max-age=60")
                .body(Preview.png(img.data(), img.nx(), img.ny(), PREVIEW_SIDE, how));
    }

    @org.springframework.web.bind.annotation.ExceptionHandler(DrmsException.class)
    ResponseEntity<String> notFound(DrmsException e) {
        return nav.page(HttpStatus.NOT_FOUND, "/status/series", "Not found",
                "<p class=\"bad\">" + esc(e.getMessage()) + "</p>");
    }

    /**
     * The trend as a plot: over the series' time prime key when it has one (hours, or days past 3 days, since the
     * first record's time; a record without a time is left out), else over recnum.
     */
    static String trendPlot(String key, SiteReads.Trend trend) {
        List<SiteReads.TrendPoint> points = trend.points();
        double t0 = Double.NaN;
        double t1 = Double.NaN;
        for (SiteReads.TrendPoint p : points) {
            if (!Double.isNaN(p.time())) {
                t0 = Double.isNaN(t0) ? p.time() : Math.min(t0, p.time());
                t1 = Double.isNaN(t1) ? p.time() : Math.max(t1, p.time());
            }
        }
        if (trend.timeKey() == null || Double.isNaN(t0)) {
            SvgPlot plot = new SvgPlot(720, 260, "recnum", key);
            for (SiteReads.TrendPoint p : points) {
                plot.add(p.recnum(), p.value(), "#" + p.recnum() + ": " + SvgPlot.number(p.value()));
            }
            return "<p>" + esc(key) + " over the last " + points.size() + " records by recnum</p><div id=\"trend\">"
                    + plot.render() + "</div>";
        }
        boolean days = t1 - t0 > 3 * 86400;
        double unit = days ? 86400 : 3600;
        String start = org.drmsbatch.drms.time.DrmsTime.format(t0, "TAI", 0);
        SvgPlot plot = new SvgPlot(720, 260, trend.timeKey() + ": " + (days ? "days" : "hours") + " since " + start,
                key);
        for (SiteReads.TrendPoint p : points) {
            if (!Double.isNaN(p.time())) {
                plot.add((p.time() - t0) / unit, p.value(), "#" + p.recnum() + " "
                        + org.drmsbatch.drms.time.DrmsTime.format(p.time(), "TAI", 0) + ": "
                        + SvgPlot.number(p.value()));
            }
        }
        return "<p>" + esc(key) + " over " + esc(trend.timeKey()) + ", the last " + points.size()
                + " records</p><div id=\"trend\" data-x=\"" + esc(trend.timeKey()) + "\">" + plot.render() + "</div>";
    }
}
