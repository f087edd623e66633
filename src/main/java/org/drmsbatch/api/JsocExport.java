package org.drmsbatch.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * JSOC's export protocol as {@code jsoc_fetch} speaks it (specs/drms.md §5.3, §5.4): the status codes, the
 * parameters of {@code op=exp_request}, and the answers, JSON maps with JSOC's keys in JSOC's order (the python
 * {@code drms} client reads them). Errors carry JSOC's text in {@code error}.
 */
final class JsocExport {

    /** The export is done: its files are listed. */
    static final int DONE = 0;
    /** The export job runs. */
    static final int PROCESSING = 1;
    /** The export job is queued. */
    static final int QUEUED = 2;
    /** The request selects more than this server exports at once. */
    static final int TOO_LARGE = 3;
    /** The request is refused or the export failed. */
    static final int ERROR = 4;
    /** The export was done but its files are gone. */
    static final int DELETED = 5;
    /** No such request. */
    static final int NOT_FOUND = 6;

    static final String DEFAULT_FILENAME_FORMAT = "{seriesname}.{recnum:%d}.{segment}";
    private static final long MB = 1024L * 1024L;

    private JsocExport() {
    }

    /** An answer that ends the request with JSOC's status and error text. */
    static final class Refusal extends RuntimeException {
        final int status;

        Refusal(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    /**
     * The parameters of {@code op=exp_request}, checked.
     *
     * @param query          the record-set query ({@code ds}) with the {@code seg} list joined as {@code {...}}
     * @param method         {@code url_quick}, {@code url} or {@code url-tar}
     * @param protocolText   the protocol as asked ({@code fits,compress Rice}), as answers repeat it
     * @param protocol       {@code as-is} or {@code fits}
     * @param cparms         the compression after the protocol's comma, or null
     * @param filenameFormat the file-name template ({@code filenamefmt})
     * @param limit          the record limit: the first n (n &gt; 0), the last |n| (n &lt; 0), all (0)
     */
    record Request(String query, String method, String protocolText, String protocol, String cparms,
                   String filenameFormat, int limit) {

        /** The parameters but {@code notify} (checked first, against the configuration). */
        static Request of(Map<String, String> p) {
            String ds = p.get("ds");
            if (ds == null || ds.isBlank()) {
                throw new Refusal(ERROR, "Must have Recordset specified");
            }
            ds = ds.trim();
            String method = p.getOrDefault("method", "url").trim().toLowerCase(Locale.ROOT);
            if (!List.of("url_quick", "url", "url-tar").contains(method)) {
                throw new Refusal(ERROR, "Export method '" + method + "' is not served here (url_quick, url, url-tar)");
            }
            String protocolText = p.getOrDefault("protocol", "as-is").trim();
            int comma = protocolText.indexOf(',');
            String protocol = (comma < 0 ? protocolText : protocolText.substring(0, comma)).trim()
                    .toLowerCase(Locale.ROOT);
            String cparms = comma < 0 ? null : protocolText.substring(comma + 1).trim();
            if (!protocol.equals("as-is") && !protocol.equals("fits")) {
                throw new Refusal(ERROR, "Export protocol '" + protocol + "' is not served here (as-is, fits)");
            }
            String ffmt = p.get("filenamefmt");
            if (ffmt == null || ffmt.isBlank()) {
                ffmt = DEFAULT_FILENAME_FORMAT;
            }
            String seg = p.get("seg");
            if (seg != null && !seg.isBlank()) {
                if (ds.contains("{")) {
                    throw new Refusal(ERROR, "Can not give segment list both in key and explicitly in recordset.");
                }
                ds = ds + "{" + seg.trim() + "}";
            }
            if (ds.endsWith("{**ALL**}")) {
                ds = ds.substring(0, ds.length() - "{**ALL**}".length());
            }
            return new Request(ds, method, protocolText, protocol, cparms, ffmt, recordLimit(p));
        }

        /** Whether JSOC answers it at once with the stored files' paths (when they are all online). */
        boolean quick() {
            return method.equals("url_quick") && protocol.equals("as-is");
        }
    }

    /** The record limit: JSOC's {@code process=n=N} (the python client sends it as parameter {@code process=n}). */
    private static int recordLimit(Map<String, String> p) {
        String text = null;
        String process = p.get("process");
        if (process != null && process.startsWith("n=")) {
            text = process.substring(2);
        } else if (p.containsKey("process=n")) {
            text = p.get("process=n");
        } else if (p.containsKey("n")) {
            text = p.get("n");
        }
        if (text == null) {
            return 0;
        }
        int bar = text.indexOf('|');
        if (bar >= 0) {
            for (String step : text.substring(bar + 1).split("\\|")) {
                String name = step.split(",", 2)[0].trim();
                if (!name.isEmpty() && !name.equals("no_op")) {
                    throw new Refusal(ERROR, "Processing '" + name + "' is not served here: only the record limit n=");
                }
            }
        }
        String number = (bar < 0 ? text : text.substring(0, bar)).trim();
        if (number.isEmpty()) {
            return 0;
        }
        try {
            return Integer.parseInt(number);
        } catch (NumberFormatException e) {
            throw new Refusal(ERROR, "Invalid record limit n=" + number + " in process: it must be an integer");
        }
    }

    /** A size in JSOC's MB: whole MiB, and 1 for anything from one byte to one MiB. */
    static long megabytes(long bytes) {
        return bytes > 0 && bytes < MB ? 1 : bytes / MB;
    }

    /** The answer to a request larger than {@code maxBytes}: no request id ({@code VOID}), status 3. */
    static Map<String, Object> tooLarge(Request request, int records, long bytes, long maxBytes) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("requestid", "VOID");
        out.put("method", request.method());
        out.put("protocol", request.protocolText());
        out.put("wait", 0);
        out.put("status", TOO_LARGE);
        out.put("count", records);
        out.put("size", megabytes(bytes));
        out.put("error", "Request exceeds max byte limit of " + maxBytes / MB + "MB");
        return out;
    }

    /** The answer to a request whose export job was started: status 2 under its request id. */
    static Map<String, Object> queued(String requestId, Request request, int records, long bytes) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", QUEUED);
        out.put("requestid", requestId);
        out.put("method", request.method());
        out.put("protocol", request.protocolText());
        out.put("wait", 1);
        out.put("rcount", records);
        out.put("size", megabytes(bytes));
        return out;
    }

    /** One file of an answer given at once: {@code {record, filename}}. */
    static Map<String, Object> file(String record, String filename) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("record", record);
        m.put("filename", filename);
        return m;
    }

    /** JSOC's synchronous {@code url_quick}/{@code as-is} answer: the stored files, no request id. */
    static Map<String, Object> quick(Request request, int records, long bytes, List<Map<String, Object>> files) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", DONE);
        out.put("requestid", "");
        out.put("method", request.method());
        out.put("protocol", request.protocolText());
        out.put("wait", 0);
        out.put("rcount", records);
        out.put("count", files.size());
        out.put("size", megabytes(bytes));
        out.put("dir", "");
        out.put("data", files);
        return out;
    }

    /**
     * The {@code exp_status} answer for a request that is not done: queued, processing, or ended without files
     * ({@code error} says why; {@code contact}, when configured, whom to ask).
     */
    static Map<String, Object> pending(int status, String requestId, String method, String protocol, long records,
            long sizeMb, String error, String contact) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", status);
        out.put("requestid", requestId);
        out.put("method", method);
        out.put("protocol", protocol);
        out.put("wait", status <= QUEUED ? 1 : 999999);
        out.put("rcount", records);
        out.put("size", sizeMb);
        if (error != null) {
            out.put("error", error);
        }
        if (status > QUEUED && !contact.isEmpty()) {
            out.put("contact", contact);
        }
        return out;
    }

    /**
     * One storage unit of the {@code exp_su} answer; {@code sustatus} Y online, N offline but archived, X offline
     * and not archived, I unknown (then the other fields are {@code NA} and size 0).
     */
    static Map<String, Object> storageUnit(long sunum, String series, String path, String sustatus, long bytes) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sunum", Long.toString(sunum));
        m.put("series", series);
        m.put("path", path);
        m.put("sustatus", sustatus);
        m.put("susize", Long.toString(bytes));
        return m;
    }

    /** The {@code exp_su} answer, given at once as JSOC's {@code url_quick} does. */
    static Map<String, Object> storageUnits(String method, String protocol, long bytes,
            List<Map<String, Object>> units) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", DONE);
        out.put("requestid", "");
        out.put("method", method);
        out.put("protocol", protocol);
        out.put("wait", 0);
        out.put("count", units.size());
        out.put("size", bytes);
        out.put("dir", "");
        out.put("data", units);
        return out;
    }
}
