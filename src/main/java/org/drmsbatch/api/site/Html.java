package org.drmsbatch.api.site;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * HTML for the status site: escaping, and the shared layout with its nav bar. Every value that comes from data
 * (series names, keyword values, failure reasons, parameters) passes through {@link #esc}: they are user-controlled.
 */
public final class Html {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'")
            .withZone(ZoneOffset.UTC);

    private Html() {
    }

    /** Text made safe for an element's content and for a quoted attribute value. */
    public static String esc(Object value) {
        if (value == null) {
            return "";
        }
        String s = value.toString();
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /** A UTC time, or empty. */
    public static String time(Instant t) {
        return t == null ? "" : TIME.format(t);
    }

    /** A duration as {@code 1h 02m 03s}, {@code 4.2s}. */
    public static String duration(Duration d) {
        if (d == null) {
            return "";
        }
        long s = d.getSeconds();
        if (s < 60) {
            return String.format(Locale.ROOT, "%.1fs", d.toMillis() / 1000.0);
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm %02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh %02dm %02ds", s / 3600, s / 60 % 60, s % 60);
    }

    /** Bytes as {@code 1.5 GiB}. */
    public static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    /** A percentage with one decimal. */
    public static String percent(double p) {
        return String.format(Locale.ROOT, "%.1f%%", p);
    }

    /** A URL path segment, percent-encoded. */
    public static String path(String segment) {
        return java.net.URLEncoder.encode(segment, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static final String CSS = """
            body{font-family:system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
            nav{background:#234;padding:.5em 1em}nav a{color:#fff;margin-right:1.2em;text-decoration:none}
            nav a.here{text-decoration:underline}main{padding:1em 1.5em}
            table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border:1px solid #ccc;padding:.25em .6em;
            text-align:left;vertical-align:top}td.n{text-align:right;font-variant-numeric:tabular-nums}
            .bad{color:#b00}.good{color:#070}.warn{color:#a60}pre{white-space:pre-wrap;max-width:70em}
            .bar{display:inline-block;width:12em;height:.8em;background:#ddd;position:relative}
            .bar i{display:block;height:100%;background:#48a}.bar b{position:absolute;top:-2px;width:2px;
            height:1.2em}.bar b.hw{background:#b00}.bar b.lw{background:#070}
            svg.plot{background:#fff;border:1px solid #ccc}svg .pt{fill:#2a6ebb}svg .axis{stroke:#444}
            svg text{font-size:10px;fill:#444}svg .grid{stroke:#eee}
            """;

    /**
     * A whole page: the layout, its nav bar from the site's pages (the current one marked), the title and the body
     * (already HTML).
     */
    public static String page(List<StatusPage> pages, String current, String title, String body) {
        StringBuilder b = new StringBuilder(body.length() + 2048);
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
                .append(esc(title)).append(" · drms</title><style>").append(CSS).append("</style></head><body><nav>");
        for (StatusPage p : pages) {
            b.append("<a href=\"").append(esc(p.href())).append('"')
                    .append(p.href().equals(current) ? " class=\"here\"" : "").append('>').append(esc(p.title()))
                    .append("</a>");
        }
        b.append("</nav><main><h1>").append(esc(title)).append("</h1>\n").append(body)
                .append("</main></body></html>\n");
        return b.toString();
    }
}
