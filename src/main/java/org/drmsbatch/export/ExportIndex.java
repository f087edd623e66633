package org.drmsbatch.export;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * An export's packing list in JSOC's two shapes (specs/drms.md §5.3, {@code jsoc_export_make_index}):
 * {@code index.txt} ({@code # JSOC Export File List}, {@code name=value} lines, then {@code # DATA} and one
 * {@code record<TAB>filename} line per file) and {@code index.json} (what {@code exp_status} answers when the
 * export is done).
 *
 * <p>index.json fields: {@code version}, {@code requestid}, {@code method}, {@code protocol} ({@code as-is},
 * {@code fits} or {@code fits,<cparms>}), {@code count} (files), {@code size} (megabytes, rounded up, as JSOC),
 * {@code bytes} (exact), {@code exptime} (UTC, {@code yyyy.MM.dd_HH:mm:ss_UTC}), {@code dir} (the export
 * directory below the download base URL, {@code /exports/<requestid>} ({@link ExportRoot#downloadPath}), as JSOC
 * gives it below its web root: never a path on this machine), {@code status} (0), {@code keywords}
 * ({@code **IN FITS FILES**} for fits, else empty), {@code tarfile} ({@code <dir>/<requestid>.tar} for url-tar,
 * else empty) and
 * {@code data}: {@code [{record, filename}]} with file names relative to {@code dir} (for url-tar: inside the
 * tar).
 */
public record ExportIndex(String requestId, String method, String protocol, String exptime, String dir,
                          String keywords, String tarfile, List<ExportManifest.Entry> files) {

    public static final String TXT = "index.txt";
    public static final String JSON = "index.json";
    public static final String VERSION = "1";

    private static final JsonMapper MAPPER = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    public long bytes() {
        return files.stream().mapToLong(ExportManifest.Entry::bytes).sum();
    }

    /** Megabytes, rounded up (JSOC's {@code size}). */
    public long megabytes() {
        return (bytes() + (1 << 20) - 1) >> 20;
    }

    public String json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", VERSION);
        m.put("requestid", requestId);
        m.put("method", method);
        m.put("protocol", protocol);
        m.put("count", files.size());
        m.put("size", megabytes());
        m.put("bytes", bytes());
        m.put("exptime", exptime);
        m.put("dir", dir);
        m.put("status", 0);
        m.put("keywords", keywords);
        m.put("tarfile", tarfile);
        List<Map<String, String>> data = new ArrayList<>();
        for (ExportManifest.Entry e : files) {
            Map<String, String> d = new LinkedHashMap<>();
            d.put("record", e.record());
            d.put("filename", e.filename());
            data.add(d);
        }
        m.put("data", data);
        return MAPPER.writeValueAsString(m) + "\n";
    }

    public String txt() {
        StringBuilder sb = new StringBuilder("# JSOC Export File List\n");
        sb.append("version=").append(VERSION).append('\n');
        sb.append("requestid=").append(requestId).append('\n');
        sb.append("method=").append(method).append('\n');
        sb.append("protocol=").append(protocol).append('\n');
        sb.append("count=").append(files.size()).append('\n');
        sb.append("size=").append(megabytes()).append('\n');
        sb.append("exptime=").append(exptime).append('\n');
        sb.append("dir=").append(dir).append('\n');
        if (!tarfile.isEmpty()) {
            sb.append("tarfile=").append(tarfile).append('\n');
        }
        sb.append("status=0\n");
        sb.append("# DATA\n");
        for (ExportManifest.Entry e : files) {
            sb.append(e.record()).append('\t').append(e.filename()).append('\n');
        }
        return sb.toString();
    }
}
