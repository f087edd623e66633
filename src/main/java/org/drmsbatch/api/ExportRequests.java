package org.drmsbatch.api;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsException;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.RecordFields;
import org.drmsbatch.drms.SegmentDef;
import org.drmsbatch.drms.SeriesDefinition;
import org.drmsbatch.drms.query.Query;
import org.drmsbatch.drms.query.QueryException;
import org.drmsbatch.drms.query.RecordSet;
import org.drmsbatch.drms.query.RecordSets;
import org.drmsbatch.export.ExportRoot;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRequestException;
import org.drmsbatch.schedules.JobRun;
import org.drmsbatch.sums.Sums;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Export requests as JSOC's {@code jsoc_fetch} takes them (specs/drms.md §5.3, §5.4). {@code url_quick} with
 * {@code as-is} is answered at once with the stored files' download paths, as JSOC does when they are online; every
 * other request runs the {@code export} job, whose identifying parameter {@code requestId} is the request id
 * ({@code JSOC_<yyyymmdd>_<n>}, UTC date): the job repository is the durable map from a request to its runs, and
 * {@code exp_status} reports the latest run of the request and, once it completed, its {@code index.json}.
 *
 * <p>Answers are JSON maps with JSOC's {@code status}: 0 done, 1 processing, 2 queued, 3 too large, 4 error,
 * 5 deleted, 6 not found; errors carry JSOC's text in {@code error}.
 */
@Component
public class ExportRequests {

    /** The job that makes exports and its parameters (see the export job). */
    public static final String JOB = "export";

    static final String DEFAULT_FILENAME_FORMAT = "{seriesname}.{recnum:%d}.{segment}";
    /** The longest text a job parameter holds (the job repository's column). */
    static final int MAX_PARAMETER = 2500;
    private static final Pattern VALID_ADDRESS = Pattern.compile("\\s*[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,63}\\s*");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final long MB = 1024L * 1024L;

    private final Drms drms;
    private final RecordSets recordSets;
    private final JobControl jobs;
    private final JdbcTemplate jdbc;
    private final DownloadArea downloads;
    private final Pattern allowedAddresses;
    private final String allowedText;
    private final long maxBytes;
    private final String contact;
    /**
     * Record and byte counts of requests made by this process, for the answers while they run; the oldest are
     * forgotten past {@value #REMEMBERED} (a request nobody polls after its end is never removed otherwise).
     */
    private final Map<String, long[]> counts = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<String, long[]>() {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, long[]> eldest) {
                    return size() > REMEMBERED;
                }
            });
    private static final int REMEMBERED = 10_000;

    public ExportRequests(Drms drms, RecordSets recordSets, JobControl jobs, JdbcTemplate jdbc, DownloadArea downloads,
            @Value("${drms.export.allowed-addresses:.*}") String allowedAddresses,
            @Value("${drms.export.max-size:100GB}") DataSize maxSize,
            @Value("${drms.export.contact:}") String contact) {
        this.drms = drms;
        this.recordSets = recordSets;
        this.jobs = jobs;
        this.jdbc = jdbc;
        this.downloads = downloads;
        this.allowedText = allowedAddresses == null || allowedAddresses.isBlank() ? ".*" : allowedAddresses.trim();
        this.allowedAddresses = Pattern.compile(allowedText, Pattern.CASE_INSENSITIVE);
        this.maxBytes = maxSize.toBytes();
        this.contact = contact == null ? "" : contact.trim();
    }

    /** An answer that ends the request with JSOC's status and error text. */
    static final class Refusal extends RuntimeException {
        final int status;

        Refusal(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    // ------------------------------------------------------------------------------------------ checkAddress

    /**
     * JSOC's {@code checkAddress.sh}: {@code {"status":2,"msg":...}} for an address the configuration allows
     * ({@code drms.export.allowed-addresses}), 4 for a valid one it does not, -2 for one that is not an address.
     * The python client sends the address URL-encoded twice; it is decoded here once more.
     */
    public Map<String, Object> checkAddress(String address) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (address == null || address.isBlank()) {
            out.put("status", -2);
            out.put("msg", "Missing required argument.");
            return out;
        }
        String a = decodeOnceMore(address).trim();
        if (!VALID_ADDRESS.matcher(a).matches()) {
            out.put("status", -2);
            out.put("msg", "Not a valid email address.");
        } else if (!allowedAddresses.matcher(a).matches()) {
            out.put("status", 4);
            out.put("msg", "Email address has neither been validated nor registered. This server accepts"
                    + " addresses matching drms.export.allowed-addresses (" + allowedText + ").");
        } else {
            out.put("status", 2);
            out.put("msg", "Email address is valid and registered.");
        }
        return out;
    }

    private static String decodeOnceMore(String s) {
        if (!s.contains("%")) {
            return s;
        }
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }

    // ------------------------------------------------------------------------------------------ exp_request

    /** {@code op=exp_request}: see the class comment. */
    public Map<String, Object> request(Map<String, String> p) {
        String notify = p.get("notify");
        if (notify == null || notify.isBlank()) {
            throw new Refusal(4, "Email address for notification was not specfied. It is required."); // sic
        }
        Map<String, Object> check = checkAddress(notify);
        if (!Integer.valueOf(2).equals(check.get("status"))) {
            throw new Refusal(4, "Cannot process your request. " + check.get("msg"));
        }
        String ds = p.get("ds");
        if (ds == null || ds.isBlank()) {
            throw new Refusal(4, "Must have Recordset specified");
        }
        ds = ds.trim();
        String method = p.getOrDefault("method", "url").trim().toLowerCase(Locale.ROOT);
        if (!List.of("url_quick", "url", "url-tar").contains(method)) {
            throw new Refusal(4, "Export method '" + method + "' is not served here (url_quick, url, url-tar)");
        }
        String protocolText = p.getOrDefault("protocol", "as-is").trim();
        int comma = protocolText.indexOf(',');
        String protocol = (comma < 0 ? protocolText : protocolText.substring(0, comma)).trim().toLowerCase(Locale.ROOT);
        String cparms = comma < 0 ? null : protocolText.substring(comma + 1).trim();
        if (!protocol.equals("as-is") && !protocol.equals("fits")) {
            throw new Refusal(4, "Export protocol '" + protocol + "' is not served here (as-is, fits)");
        }
        String ffmt = p.get("filenamefmt");
        if (ffmt == null || ffmt.isBlank()) {
            ffmt = DEFAULT_FILENAME_FORMAT;
        }
        String seg = p.get("seg");
        if (seg != null && !seg.isBlank()) {
            if (ds.contains("{")) {
                throw new Refusal(4, "Can not give segment list both in key and explicitly in recordset.");
            }
            ds = ds + "{" + seg.trim() + "}";
        }
        if (ds.endsWith("{**ALL**}")) {
            ds = ds.substring(0, ds.length() - "{**ALL**}".length());
        }
        int n = recordLimit(p);

        Query query = parse(ds);
        String series = query.sets().get(0).series();
        if (query.sets().stream().anyMatch(s -> !s.series().equalsIgnoreCase(series))) {
            throw new Refusal(4, "Cannot specify subsets of records from different series.");
        }
        Survey survey = survey(query, n);
        if (survey.files.isEmpty()) {
            throw new Refusal(4, "There are no files in this RecordSet");
        }
        long sizeMb = survey.bytes > 0 && survey.bytes < MB ? 1 : survey.bytes / MB;
        if (survey.bytes > maxBytes) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("requestid", "VOID");
            out.put("method", method);
            out.put("protocol", protocolText);
            out.put("wait", 0);
            out.put("status", 3);
            out.put("count", survey.records.size());
            out.put("size", sizeMb);
            out.put("error", "Request exceeds max byte limit of " + maxBytes / MB + "MB");
            return out;
        }
        if (method.equals("url_quick") && protocol.equals("as-is") && survey.allOnline) {
            return quick(survey, method, protocolText, sizeMb);
        }
        if (n != 0) {
            ds = frozen(series, survey.records, query.sets().get(0).segments()); // the limit as a recnum list
        }
        if (ds.length() > MAX_PARAMETER) {
            throw new Refusal(4, "The record-set query is " + ds.length() + " characters long, more than the "
                    + MAX_PARAMETER + " an export request can hold; narrow the query");
        }
        JobParametersBuilder b = new JobParametersBuilder()
                .addString("ds", ds, false)
                .addString("method", method, false)
                .addString("protocol", protocol, false)
                .addString("ffmt", ffmt, false);
        if (cparms != null && !cparms.isEmpty()) {
            b.addString("cparms", cparms, false);
        }
        String requestId = launch(b);
        counts.put(requestId, new long[] {survey.records.size(), sizeMb});
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", 2);
        out.put("requestid", requestId);
        out.put("method", method);
        out.put("protocol", protocolText);
        out.put("wait", 1);
        out.put("rcount", survey.records.size());
        out.put("size", sizeMb);
        return out;
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
                    throw new Refusal(4, "Processing '" + name + "' is not served here: only the record limit n=");
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
            throw new Refusal(4, "Invalid record limit n=" + number + " in process: it must be an integer");
        }
    }

    private Query parse(String ds) {
        try {
            return recordSets.parseWithoutFiles(ds);
        } catch (QueryException e) {
            if (e.reason().startsWith("unknown series")) {
                throw new Refusal(4, "Cannot export series '" + JsocQueries.seriesName(ds) + "' - it does not exist.");
            }
            throw new Refusal(4, "Bad record-set query '" + ds + "'. " + e.getMessage());
        } catch (DrmsException e) {
            if (JsocQueries.isSystemFailure(e)) {
                throw e;
            }
            throw new Refusal(4, "Bad record-set query '" + ds + "'. " + e.getMessage());
        }
    }

    /** One exported file: the record set's record spec with the segment, and the stored file. */
    private record ExportFile(String record, Path file) {
    }

    /** What a request selects: records, their files (links followed), bytes, and whether all are online. */
    private static final class Survey {
        final List<Record> records = new ArrayList<>();
        final List<ExportFile> files = new ArrayList<>();
        long bytes;
        boolean allOnline = true;
    }

    private Survey survey(Query query, int n) {
        Survey s = new Survey();
        List<List<String>> segmentsPerRecord = new ArrayList<>();
        for (RecordSet rs : query.sets()) {
            for (Record r : recordSets.open(new Query(List.of(rs)), n)) {
                s.records.add(r);
                segmentsPerRecord.add(rs.segments());
            }
        }
        if (n != 0 && s.records.size() > Math.abs(n)) { // several record sets: the limit applies to them all
            int from = n > 0 ? 0 : s.records.size() - Math.abs(n);
            int to = n > 0 ? n : s.records.size();
            s.records.subList(to, s.records.size()).clear();
            s.records.subList(0, from).clear();
            segmentsPerRecord.subList(to, segmentsPerRecord.size()).clear();
            segmentsPerRecord.subList(0, from).clear();
        }
        List<Record> holders = new ArrayList<>();
        for (int i = 0; i < s.records.size(); i++) {
            Record r = s.records.get(i);
            SeriesDefinition def = r.series();
            List<SegmentDef> segs = segmentsPerRecord.get(i).isEmpty() ? def.segments()
                    : segmentsPerRecord.get(i).stream().map(x -> def.segment(x).orElseThrow()).toList();
            for (SegmentDef seg : segs) {
                Optional<Held> held = held(r, seg);
                if (held.isEmpty()) {
                    continue; // an unset link: no file, as in JSOC
                }
                Record holder = held.get().record();
                if (holder.directory() == null) {
                    if (holder.sunum() >= 0) {
                        s.allOnline = false; // a unit SUMS does not have online
                    }
                    continue;
                }
                String file = holder.segmentFile(held.get().segment().name());
                if (file == null) {
                    continue;
                }
                Path path = holder.directory().resolve(file);
                try {
                    s.bytes += Files.isDirectory(path) ? sizeOfTree(path) : Files.size(path);
                } catch (IOException e) {
                    continue; // listed but not on disk: nothing to export for it
                }
                holders.add(holder);
                s.files.add(new ExportFile(RecordFields.spec(r) + "{" + seg.name() + "}", path));
            }
        }
        if (!holders.isEmpty()) {
            Map<Long, Sums.Info> units = drms.read(x -> x.storageInfo(holders));
            for (Record h : holders) {
                Sums.Info i = units.get(h.sunum());
                if (i != null && !i.online()) {
                    s.allOnline = false;
                }
            }
        }
        return s;
    }

    private record Held(Record record, SegmentDef segment) {
    }

    /** The record and segment that hold a segment's file, following segment links. */
    private static Optional<Held> held(Record r, SegmentDef seg) {
        Record holder = r;
        SegmentDef s = seg;
        for (int depth = 0; s.isLink(); depth++) {
            if (depth > 8) {
                return Optional.empty();
            }
            Optional<Record> t = holder.follow(s.linkName());
            if (t.isEmpty()) {
                return Optional.empty();
            }
            holder = t.get();
            Optional<SegmentDef> ts = holder.series().segment(s.targetSegment());
            if (ts.isEmpty()) {
                return Optional.empty();
            }
            s = ts.get();
        }
        return Optional.of(new Held(holder, s));
    }

    private static long sizeOfTree(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    /** JSOC's synchronous {@code url_quick}/{@code as-is} answer: the stored files, no request id. */
    private Map<String, Object> quick(Survey survey, String method, String protocolText, long sizeMb) {
        // handing out paths touches the storage units' retention, as DRMS does
        drms.inSession(session -> {
            session.touch(survey.records);
            return null;
        });
        List<Map<String, Object>> data = new ArrayList<>();
        for (ExportFile f : survey.files) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("record", f.record());
            m.put("filename", downloads.pathOf(f.file()).orElse(f.file().toString()));
            data.add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", 0);
        out.put("requestid", "");
        out.put("method", method);
        out.put("protocol", protocolText);
        out.put("wait", 0);
        out.put("rcount", survey.records.size());
        out.put("count", data.size());
        out.put("size", sizeMb);
        out.put("dir", "");
        out.put("data", data);
        return out;
    }

    /** The selected records as a record-number list ({@code series[:#1-#3,#7]{segs}}), as JSOC freezes {@code ^ $}. */
    private static String frozen(String series, List<Record> records, List<String> segments) {
        TreeSet<Long> recnums = new TreeSet<>();
        records.forEach(r -> recnums.add(r.recnum()));
        StringBuilder sb = new StringBuilder(series).append("[:");
        Long runStart = null;
        Long previous = null;
        for (long r : recnums) {
            if (previous != null && r == previous + 1) {
                previous = r;
                continue;
            }
            appendRun(sb, runStart, previous);
            runStart = r;
            previous = r;
        }
        appendRun(sb, runStart, previous);
        sb.append(']');
        if (!segments.isEmpty()) {
            sb.append('{').append(String.join(",", segments)).append('}');
        }
        return sb.toString();
    }

    private static void appendRun(StringBuilder sb, Long from, Long to) {
        if (from == null) {
            return;
        }
        if (sb.charAt(sb.length() - 1) != ':') {
            sb.append(',');
        }
        sb.append('#').append(from);
        if (!from.equals(to)) {
            sb.append("-#").append(to);
        }
    }

    /**
     * Starts the export job under a new request id {@code JSOC_<yyyymmdd>_<n>}: n is one more than the largest of
     * the day in the job repository; a request started at the same moment by another process takes the next.
     */
    private synchronized String launch(JobParametersBuilder parameters) {
        String prefix = "JSOC_" + LocalDate.now(ZoneOffset.UTC).format(DateTimeFormatter.BASIC_ISO_DATE) + "_";
        Long max = jdbc.queryForObject("""
                SELECT max(substring(parameter_value from ?)::bigint) FROM batch_job_execution_params
                WHERE parameter_name = 'requestId' AND parameter_value ~ ?""", Long.class,
                prefix.length() + 1, "^" + prefix + "[0-9]{1,18}$");
        long next = (max == null ? 0 : max) + 1;
        for (int attempt = 0; ; attempt++, next++) {
            String requestId = prefix + next;
            JobParameters params = new JobParametersBuilder(parameters.toJobParameters())
                    .addString("requestId", requestId, true).toJobParameters();
            try {
                jobs.start(JOB, params);
                return requestId;
            } catch (JobRequestException e) {
                if (e.reason() == JobRequestException.Reason.CONFLICT && attempt < 20) {
                    continue; // that id was just taken
                }
                throw new Refusal(4, "Cannot start the export: " + e.getMessage());
            }
        }
    }

    // ------------------------------------------------------------------------------------------ exp_status

    /** {@code op=exp_status}: the latest run of the request: queued, processing, failed, or its index.json. */
    public Object status(String requestId) {
        if (requestId == null || requestId.isBlank()) {
            throw new Refusal(4, "RequestID must be provided");
        }
        String id = requestId.trim();
        if (!ExportRoot.REQUEST_ID.matcher(id).matches()) { // JSOC_<yyyymmdd>_<n>, or a name given to drms run
            throw new Refusal(4, "Bad RequestID '" + id + "' provided.");
        }
        List<Long> executions = jdbc.queryForList("""
                SELECT e.job_execution_id FROM batch_job_execution e
                JOIN batch_job_instance i ON i.job_instance_id = e.job_instance_id
                JOIN batch_job_execution_params p ON p.job_execution_id = e.job_execution_id
                WHERE i.job_name = ? AND p.parameter_name = 'requestId' AND p.parameter_value = ?
                ORDER BY e.job_execution_id DESC LIMIT 1""", Long.class, JOB, id);
        if (executions.isEmpty()) {
            throw new Refusal(6, "Cant locate export request: " + id); // sic, JSOC's text
        }
        JobRun run = jobs.view(executions.get(0));
        if (run.ended()) {
            counts.remove(id); // only asked for while it runs
        }
        return switch (run.status()) {
            case "STARTING" -> pending(2, id, run, null);
            case "STARTED", "STOPPING" -> pending(1, id, run, null);
            case "COMPLETED" -> completed(id, run);
            case "STOPPED" -> pending(4, id, run, "Export request " + id + " was stopped (job execution "
                    + run.executionId() + "); restart that execution to finish it");
            default -> pending(4, id, run, failure(run));
        };
    }

    private Map<String, Object> pending(int status, String id, JobRun run, String error) {
        long[] c = counts.getOrDefault(id, new long[] {0, 0});
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", status);
        out.put("requestid", id);
        out.put("method", run.parameters().getOrDefault("method", "url"));
        out.put("protocol", run.parameters().getOrDefault("protocol", "as-is"));
        out.put("wait", status <= 2 ? 1 : 999999);
        out.put("rcount", c[0]);
        out.put("size", c[1]);
        if (error != null) {
            out.put("error", error);
        }
        if (status > 2 && !contact.isEmpty()) {
            out.put("contact", contact);
        }
        return out;
    }

    /** The reason a run failed: the first line of its exit description without the exception's class name. */
    private static String failure(JobRun run) {
        String d = run.exitDescription() == null ? "" : run.exitDescription().strip();
        String first = d.lines().findFirst().orElse("").strip();
        Matcher m = Pattern.compile("^(?:[\\w$]+\\.)+[\\w$]*(?:Exception|Error): ?").matcher(first);
        String reason = m.lookingAt() ? first.substring(m.end()) : first;
        return reason.isEmpty() ? "The export failed (job execution " + run.executionId() + ", " + run.status() + ")"
                : reason;
    }

    private Object completed(String id, JobRun run) {
        Path dir = downloads.exportDirectory().resolve(id);
        if (!Files.isDirectory(dir)) {
            return pending(5, id, run, "Request was completed but is now deleted, 7 day limit exceeded");
        }
        Path index = dir.resolve("index.json");
        JsonNode node;
        try {
            node = JSON.readTree(index.toFile());
        } catch (RuntimeException e) {
            if (!Files.exists(index)) {
                return pending(4, id, run, "Export should be complete but return index.json file not found");
            }
            return pending(4, id, run, "The export's index.json cannot be read: " + e.getMessage());
        }
        if (!(node instanceof ObjectNode o)) {
            return pending(4, id, run, "The export's index.json is not a JSON object");
        }
        // paths as the client downloads them: relative to the download base URL
        String dirPath = downloads.exportPath(id);
        o.put("dir", dirPath);
        if (o.hasNonNull("tarfile") && !o.get("tarfile").asString().isBlank()) {
            o.put("tarfile", dirPath + "/" + baseName(o.get("tarfile").asString()));
        }
        if (o.hasNonNull("keywords") && o.get("keywords").asString().contains("/")) {
            o.put("keywords", dirPath + "/" + baseName(o.get("keywords").asString()));
        }
        if (o.get("data") instanceof tools.jackson.databind.node.ArrayNode data) {
            for (JsonNode item : data) {
                if (item instanceof ObjectNode f && f.hasNonNull("filename")) {
                    String name = f.get("filename").asString();
                    if (name.startsWith("/")) {
                        Path p = Path.of(name).toAbsolutePath().normalize();
                        f.put("filename", p.startsWith(dir) ? dir.relativize(p).toString() : baseName(name));
                    }
                }
            }
        }
        if (!o.has("status")) {
            o.put("status", 0);
        }
        if (!o.hasNonNull("requestid")) {
            o.put("requestid", id);
        }
        if (!o.hasNonNull("method")) {
            o.put("method", run.parameters().getOrDefault("method", "url"));
        }
        if (!o.hasNonNull("protocol")) {
            o.put("protocol", run.parameters().getOrDefault("protocol", "as-is"));
        }
        if (!o.has("wait")) {
            o.put("wait", 0);
        }
        return o;
    }

    private static String baseName(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? path : path.substring(slash + 1);
    }

    // ------------------------------------------------------------------------------------------ exp_su

    /**
     * {@code op=exp_su}: storage units by SUNUM ({@code sunum=} or {@code ds=}, comma-separated), answered at once
     * as JSOC's {@code url_quick} does: {@code data:[{sunum, series, path, sustatus, susize}]} with
     * {@code sustatus} Y online, N offline but archived, X offline and not archived, I unknown.
     */
    public Map<String, Object> storageUnits(Map<String, String> p) {
        String list = p.get("sunum");
        String from = "sunum";
        if (list == null || list.isBlank()) {
            list = p.get("ds");
            from = "ds";
        }
        if (list == null || list.isBlank()) {
            throw new Refusal(4, "There are no SUs in sunum or ds params");
        }
        String method = p.getOrDefault("method", "url_quick").trim().toLowerCase(Locale.ROOT);
        String protocol = p.getOrDefault("protocol", "as-is").trim().toLowerCase(Locale.ROOT);
        if (!method.equals("url_quick") || !(protocol.equals("as-is") || protocol.equals("su-as-is"))) {
            throw new Refusal(4, "exp_su is served with method url_quick and protocol as-is or su-as-is, not "
                    + method + " and " + protocol);
        }
        List<Long> sunums = new ArrayList<>();
        for (String s : list.split(",")) {
            try {
                sunums.add(Long.parseLong(s.trim()));
            } catch (NumberFormatException e) {
                throw new Refusal(4, "Invalid argument in exp_su, '" + from + "=" + list + "'.");
            }
        }
        Map<Long, Sums.Info> units = drms.read(s -> {
            try {
                return drms.sums().get(s.connection(), sunums, false, 0);
            } catch (java.sql.SQLException e) {
                throw new DrmsException("Cannot look up storage units: " + e.getMessage(), e);
            }
        });
        List<Map<String, Object>> data = new ArrayList<>();
        long size = 0;
        for (long sunum : sunums) {
            Sums.Info i = units.get(sunum);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("sunum", Long.toString(sunum));
            if (i == null) {
                m.put("series", "NA");
                m.put("path", "NA");
                m.put("sustatus", "I");
                m.put("susize", "0");
            } else {
                size += i.bytes();
                m.put("series", i.owningSeries());
                m.put("path", i.online() && i.path() != null
                        ? downloads.pathOf(i.path()).orElse(i.path().toString()) : "NA");
                m.put("sustatus", i.online() ? "Y" : i.archived() ? "N" : "X");
                m.put("susize", Long.toString(i.bytes()));
            }
            data.add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", 0);
        out.put("requestid", "");
        out.put("method", method);
        out.put("protocol", protocol);
        out.put("wait", 0);
        out.put("count", data.size());
        out.put("size", size);
        out.put("dir", "");
        out.put("data", data);
        return out;
    }
}
