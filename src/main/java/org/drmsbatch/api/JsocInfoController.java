package org.drmsbatch.api;

import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.Parameters;
import io.swagger.v3.oas.annotations.enums.ParameterIn;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsException;
import org.drmsbatch.drms.KeywordDef;
import org.drmsbatch.drms.KeywordValues;
import org.drmsbatch.drms.LinkDef;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.RecordFields;
import org.drmsbatch.drms.SegmentDef;
import org.drmsbatch.drms.SeriesDefinition;
import org.drmsbatch.drms.query.Query;
import org.drmsbatch.drms.query.RecordSets;
import org.drmsbatch.sums.Sums;

import jakarta.servlet.http.HttpServletResponse;
import tools.jackson.core.JsonGenerator;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * JSOC's series and record CGIs ({@code show_series}, {@code jsoc_info}) under the same paths, parameters and JSON,
 * so that the python {@code drms} client and the JSOC web pages work against this server. As with JSOC, the HTTP
 * status is 200 and the JSON {@code status} says whether it worked: 0 is success, 1 an error whose text is in
 * {@code error} (JSOC's texts where JSOC has one: {@code series not found}; a bad query says what and where).
 */
@RestController
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@RequestMapping(path = "/cgi-bin/ajax", method = {RequestMethod.GET, RequestMethod.POST},
        produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "JSOC", description = "JSOC's CGIs under the same paths, parameters and JSON, for the python drms "
        + "client: HTTP 200, JSON status 0 on success, otherwise the error in error")
public class JsocInfoController {

    private final Drms drms;
    private final RecordSets recordSets;
    private final DownloadArea downloads;
    /** The most records jsoc_info op=rs_list lists ({@code drms.jsoc.rs-list-limit}). */
    private final int rsListLimit;

    public JsocInfoController(Drms drms, RecordSets recordSets, DownloadArea downloads,
                              @Value("${drms.jsoc.rs-list-limit:" + DEFAULT_RS_LIST_LIMIT + "}") int rsListLimit) {
        if (rsListLimit < 1) {
            throw new IllegalArgumentException("drms.jsoc.rs-list-limit must be at least 1, not " + rsListLimit);
        }
        this.drms = drms;
        this.recordSets = recordSets;
        this.downloads = downloads;
        this.rsListLimit = rsListLimit;
    }

    /** DRMS's own cap on the rows one query returns ({@code CAP_LIMIT}, specs/drms.md §2.2). */
    public static final int DEFAULT_RS_LIST_LIMIT = 75_000;

    // ------------------------------------------------------------------------------------------ show_series

    /**
     * {@code show_series?filter=REGEX}: {@code {"status":0,"names":[{"name","primekeys","note"}],"n":N}}; the
     * filter is a case-insensitive regular expression found anywhere in the name, {@code NOT REGEX} excludes.
     */
    @RequestMapping("/show_series")
    @Operation(summary = "Series names, prime keys and descriptions", description = "filter: a case-insensitive "
            + "regular expression found in the name; NOT REGEX excludes.")
    @ApiResponse(responseCode = "200", description = "{status, names: [{name, primekeys, note}], n}",
            content = @Content(schema = @Schema(implementation = ApiShapes.JsocAnswer.class)))
    @Parameters(@Parameter(name = "filter", in = ParameterIn.QUERY, example = "^hmi\\.",
            description = "a case-insensitive regular expression found in the name; NOT REGEX excludes"))
    public String showSeries(@Parameter(hidden = true) @RequestParam Map<String, String> params) {
        return JsocJson.text(showSeriesAnswer(params));
    }

    private Map<String, Object> showSeriesAnswer(Map<String, String> params) {
        String filter = params.get("filter");
        if (filter == null && params.size() == 1) {
            filter = params.values().iterator().next(); // JSOC takes whatever follows the first '='
        }
        boolean exclude = false;
        Pattern p = null;
        if (filter != null && !filter.isEmpty()) {
            if (filter.startsWith("NOT ")) {
                exclude = true;
                filter = filter.substring(4);
            }
            try {
                p = Pattern.compile(filter, Pattern.CASE_INSENSITIVE);
            } catch (PatternSyntaxException e) {
                return error(1, "Series filter format error: " + e.getDescription() + " at position "
                        + (e.getIndex() + 1) + " of '" + filter + "'");
            }
        }
        List<Map<String, Object>> names = new ArrayList<>();
        for (SeriesDefinition d : drms.listSeries(null)) {
            boolean match = p == null || p.matcher(d.name()).find();
            if (match != exclude || p == null) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", d.name());
                m.put("primekeys", String.join(", ", d.primeKeys()));
                m.put("note", nz(d.description()));
                names.add(m);
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", 0);
        out.put("names", names);
        out.put("n", names.size());
        return out;
    }

    // ------------------------------------------------------------------------------------------ jsoc_info

    /** {@code jsoc_info?op=series_struct|rs_summary|rs_list&ds=...}: see the methods of each op. */
    @RequestMapping("/jsoc_info")
    @Operation(summary = "Series structure, record count or values per record (op=series_struct|rs_summary|rs_list)",
            description = "ds: a series or record-set query; rs_list takes key, seg, link, n and R=1 (see the README's "
                    + "JSOC API).")
    @ApiResponse(responseCode = "200", description = "JSOC's JSON; status 0, or 1 and the error",
            content = @Content(schema = @Schema(implementation = ApiShapes.JsocAnswer.class)))
    @Parameters({
            @Parameter(name = "op", in = ParameterIn.QUERY, example = "rs_list",
                    description = "series_struct, rs_summary or rs_list"),
            @Parameter(name = "ds", in = ParameterIn.QUERY, example = "demo.images[2010.05.01_TAI/1h]",
                    description = "a series or record-set query"),
            @Parameter(name = "key", in = ParameterIn.QUERY, example = "T_REC,CAMERA",
                    description = "rs_list: keywords, comma-separated, or **ALL**; pseudo-keys *recnum* *sunum* "
                            + "*size* *online* *retain* *archive* *recdir*"),
            @Parameter(name = "seg", in = ParameterIn.QUERY,
                    description = "rs_list: segments, comma-separated (their values are download paths)"),
            @Parameter(name = "link", in = ParameterIn.QUERY, description = "rs_list: links, comma-separated"),
            @Parameter(name = "n", in = ParameterIn.QUERY, description = "the first n records, or the last -n when "
                    + "negative; 0: all (at most drms.jsoc.rs-list-limit)"),
            @Parameter(name = "R", in = ParameterIn.QUERY, description = "rs_list: 1 adds recinfo (each record's "
                    + "name and whether it is online)")})
    public void jsocInfo(@Parameter(hidden = true) @RequestParam Map<String, String> params,
            HttpServletResponse response) throws IOException {
        long start = System.nanoTime();
        Object answer = jsocInfoAnswer(params, start);
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        response.setCharacterEncoding("US-ASCII");
        if (answer instanceof RsList list) {
            try (list; JsonGenerator g = JsocJson.generator(response.getOutputStream())) {
                list.write(g, runtime(start));
            }
        } else {
            response.getOutputStream().write(JsocJson.text(answer).getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** A map to write as it is, or an {@link RsList} to stream. */
    private Object jsocInfoAnswer(Map<String, String> params, long start) {
        String op = params.get("op");
        String ds = params.get("ds");
        if (op == null || op.isBlank()) {
            return error(1, "jsoc_info: op= is missing (series_struct, rs_summary or rs_list)");
        }
        if (!List.of("series_struct", "rs_summary", "rs_list").contains(op)) {
            return error(1, "jsoc_info: unknown op '" + op + "' (series_struct, rs_summary or rs_list)");
        }
        if (ds == null || ds.isBlank()) {
            return error(1, "jsoc_info: ds= (a series or record-set query) is missing");
        }
        Map<String, Object> out;
        try {
            out = switch (op) {
                case "series_struct" -> seriesStruct(ds);
                case "rs_summary" -> rsSummary(ds, intParam(params, "n"));
                default -> null;
            };
            if (out == null) {
                return rsList(ds, params);
            }
        } catch (SeriesNotFound e) {
            return error(1, e.getMessage());
        } catch (DrmsException e) {
            if (JsocQueries.isSystemFailure(e)) {
                throw e;
            }
            return error(1, e.getMessage());
        }
        out.put("runtime", runtime(start));
        out.put("status", 0);
        return out;
    }

    /** Like {@code show_info -l -s}: the series' definition and its first and last records. */
    private Map<String, Object> seriesStruct(String ds) {
        SeriesDefinition def = series(JsocQueries.seriesName(ds), "series not found");
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("note", nz(def.description()));
        out.put("retention", def.retention());
        out.put("unitsize", def.unitSize());
        out.put("archive", def.archive());
        out.put("tapegroup", def.tapeGroup());
        List<Object> primekeys = new ArrayList<>();
        List<Object> primeinfo = new ArrayList<>();
        for (String pk : def.primeKeys()) {
            KeywordDef k = def.keyword(pk).orElseThrow();
            primekeys.add(k.name());
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("name", k.name());
            info.put("slotted", k.isSlotted() ? 1 : 0);
            if (k.isSlotted()) {
                info.put("step", def.keyword(k.name() + "_step").map(JsocInfoController::defaultText).orElse(""));
            }
            primeinfo.add(info);
        }
        if (primekeys.isEmpty()) {
            primekeys.add(null);
            primeinfo.add(null);
        }
        out.put("primekeys", primekeys);
        out.put("primekeysinfo", primeinfo);
        List<Object> dbindex = new ArrayList<>(def.dbIndex());
        if (dbindex.isEmpty()) {
            dbindex.add(null);
        }
        out.put("dbindex", dbindex);
        List<Map<String, Object>> keywords = new ArrayList<>();
        String previousBase = null;
        for (KeywordDef k : def.explicitKeywords()) {
            String name = k.name();
            if (k.perSegment()) {
                String base = name.substring(0, name.lastIndexOf('_'));
                if (base.equalsIgnoreCase(previousBase)) {
                    continue; // a per-segment keyword is listed once, by its base name
                }
                previousBase = base;
                name = base;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            if (k.isLink()) {
                m.put("type", linkedType(def, k));
                m.put("recscope", "variable");
                m.put("defval", "");
                m.put("units", "");
            } else {
                m.put("type", k.type().jsdName());
                m.put("recscope", k.perSegment() ? "segment" : k.recScope().jsdName());
                m.put("defval", defaultText(k));
                m.put("units", nz(k.unit()));
            }
            m.put("note", nz(k.description()));
            if (k.isLink()) {
                m.put("linkinfo", k.linkName() + "->" + k.targetKeyword());
            }
            keywords.add(m);
        }
        out.put("keywords", keywords);
        List<Map<String, Object>> segments = new ArrayList<>();
        for (SegmentDef s : def.segments()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", s.name());
            if (s.isLink()) {
                m.put("type", null);
                m.put("units", null);
                m.put("protocol", "link via " + s.linkName());
                m.put("dims", null);
            } else {
                m.put("type", s.type().jsdName());
                m.put("units", nz(s.unit()));
                m.put("protocol", s.protocol().jsdName());
                m.put("dims", s.dims().stream()
                        .map(d -> s.scope() == SegmentDef.Scope.VARDIM ? "VAR" : Integer.toString(d))
                        .collect(Collectors.joining("x")));
            }
            m.put("note", nz(s.description()));
            segments.add(m);
        }
        out.put("segments", segments);
        List<Map<String, Object>> links = new ArrayList<>();
        for (LinkDef l : def.links()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", l.name());
            m.put("target", l.targetSeries());
            m.put("kind", l.isStatic() ? "STATIC" : "DYNAMIC");
            m.put("note", nz(l.description()));
            links.add(m);
        }
        out.put("links", links);
        out.put("Interval", interval(def));
        return out;
    }

    private String linkedType(SeriesDefinition def, KeywordDef k) {
        try {
            LinkDef l = def.link(k.linkName()).orElse(null);
            if (l == null) {
                return "link";
            }
            return drms.describeSeries(l.targetSeries()).keyword(k.targetKeyword())
                    .map(t -> t.type().jsdName()).orElse("link");
        } catch (DrmsException e) {
            return "link";
        }
    }

    private static String defaultText(KeywordDef k) {
        return KeywordValues.format(KeywordValues.parse(k.defaultValue(), k.type()).value(), k);
    }

    private Map<String, Object> interval(SeriesDefinition def) {
        Map<String, Object> m = new LinkedHashMap<>();
        Optional<Record> first = recordSets.first(def.name());
        if (first.isEmpty()) {
            m.put("FirstRecord", "NA");
            m.put("FirstRecnum", "NA");
            m.put("LastRecord", "NA");
            m.put("LastRecnum", "NA");
            m.put("MaxRecnum", 0);
            return m;
        }
        Record last = recordSets.last(def.name()).orElse(first.get()); // empty only if deleted meanwhile
        m.put("FirstRecord", RecordFields.spec(first.get()));
        m.put("FirstRecnum", first.get().recnum());
        m.put("LastRecord", RecordFields.spec(last));
        m.put("LastRecnum", last.recnum());
        m.put("MaxRecnum", recordSets.maxRecnum(def.name()));
        return m;
    }

    /** Like {@code show_info -c}: {@code {"count"}}; with n=, at most |n| records are counted. */
    private Map<String, Object> rsSummary(String ds, int n) {
        String query = ds.contains("{") ? ds.substring(0, ds.indexOf('{')) : ds;
        series(JsocQueries.seriesName(query), "series not found");
        Query q = recordSets.parseWithoutFiles(query);
        long count = 0;
        for (var rs : q.sets()) { // n= limits each record set, as when the records are opened; counted, not read
            long c = recordSets.count(new Query(List.of(rs), q.text()));
            count += n == 0 ? c : Math.min(c, Math.abs((long) n));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("count", count);
        return out;
    }

    /**
     * Like {@code show_info key= seg= link=}: per asked keyword, segment and link an array of values, one per
     * record ({@code keywords:[{name,values}]}, {@code segments:[{name,values,dims,cparms,bzeros,bscales}]},
     * {@code links:[{name,values}]}), with R=1 {@code recinfo:[{name,online}]}, and {@code count}.
     *
     * <p>At most {@code drms.jsoc.rs-list-limit} records are listed: {@code n=0} (all) or a larger |n| lists the
     * first (n &gt;= 0) or last (n &lt; 0) that many, and the answer then says so with {@code limit} and
     * {@code warning}. The records are read through a cursor a page at a time, their values spooled to temporary
     * files ({@link JsonColumns}), and the answer is written with a streaming generator: memory holds a page.
     */
    private RsList rsList(String ds, Map<String, String> params) {
        SeriesDefinition def = series(JsocQueries.seriesName(ds), "jsoc_info: series not found.");
        int n = intParam(params, "n");
        boolean recinfo = "1".equals(params.get("R"));
        Query query = recordSets.parseWithoutFiles(ds);
        List<String> keys = names(params.get("key"), def.explicitKeywords().stream().map(KeywordDef::name).toList());
        List<String> segs = names(params.get("seg"), def.segments().stream().map(SegmentDef::name).toList());
        List<String> links = names(params.get("link"), def.links().stream().map(LinkDef::name).toList());
        boolean sumsInfo = keys.stream().anyMatch(k -> RecordFields.PseudoKey.of(k)
                .map(RecordFields.PseudoKey::needsStorageInfo).orElse(false));
        // one more than the limit, to tell a record set that fits from one that does not
        boolean limited = n == 0 || Math.abs((long) n) > rsListLimit;
        int asked = limited ? (n < 0 ? -(rsListLimit + 1) : rsListLimit + 1) : n;
        // the last limit+1 records: the first of them is dropped when all limit+1 came, so it waits in memory
        RsList out = new RsList(keys, segs, links, recinfo, limited && n < 0);
        try {
            recordSets.stream(query, asked, RS_LIST_PAGE, page -> {
                Map<Long, Sums.Info> units = sumsInfo ? drms.read(s -> s.storageInfo(page)) : Map.of();
                for (Record r : page) {
                    if (!out.accepts()) {
                        out.truncated = true; // n applies per record set, the limit to the whole answer
                        return false;
                    }
                    out.add(r, units.get(r.sunum()));
                }
                return true;
            });
        } catch (RuntimeException | Error e) {
            out.close(); // its spool files, whatever stopped the read
            throw e;
        }
        out.limit = rsListLimit;
        return out;
    }

    /** Records read per page for rs_list. */
    private static final int RS_LIST_PAGE = 500;

    /**
     * The values of an rs_list answer, column by column in temporary files ({@link JsonColumns}), and how to write
     * them. With {@code holdFirst} the first record's values wait in memory: of the last limit+1 records, the first
     * is dropped when a further one comes.
     */
    private final class RsList implements AutoCloseable {
        final List<String> keys;
        final List<String> segs;
        final List<String> links;
        final boolean recinfo;
        final boolean holdFirst;
        /** Columns: keys, then per segment values, dims, cparms, bzeros, bscales, then links, then recinfo. */
        final JsonColumns columns;
        final int width;
        /** The first record's values, when held back. */
        String[] first;
        int count;
        boolean truncated;
        int limit;

        RsList(List<String> keys, List<String> segs, List<String> links, boolean recinfo, boolean holdFirst) {
            this.keys = keys;
            this.segs = segs;
            this.links = links;
            this.recinfo = recinfo;
            this.holdFirst = holdFirst;
            this.width = keys.size() + 5 * segs.size() + links.size() + 1;
            this.columns = new JsonColumns(width);
        }

        private int segColumn(int seg, int part) {
            return keys.size() + 5 * seg + part;
        }

        private int linkColumn(int link) {
            return keys.size() + 5 * segs.size() + link;
        }

        private int recinfoColumn() {
            return width - 1;
        }

        void add(Record r, Sums.Info unit) {
            String[] row = new String[width];
            for (int i = 0; i < keys.size(); i++) {
                row[i] = JsocJson.text(keyValue(keys.get(i), r, unit));
            }
            boolean online = false;
            for (int i = 0; i < segs.size(); i++) {
                SegmentValue v = segmentValue(segs.get(i), r);
                online |= v.online();
                row[segColumn(i, 0)] = JsocJson.text(v.path());
                row[segColumn(i, 1)] = JsocJson.text(v.dims());
                // like JSOC, cparms/bzeros/bscales hold an entry only for records that have one
                row[segColumn(i, 2)] = v.cparms() == null ? null : JsocJson.text(v.cparms());
                row[segColumn(i, 3)] = v.bzero() == null ? null : JsocJson.text(v.bzero());
                row[segColumn(i, 4)] = v.bscale() == null ? null : JsocJson.text(v.bscale());
            }
            for (int i = 0; i < links.size(); i++) {
                row[linkColumn(i)] = JsocJson.text(linkValue(links.get(i), r));
            }
            if (recinfo) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", RecordFields.spec(r));
                m.put("online", online ? 1 : 0);
                row[recinfoColumn()] = JsocJson.text(m);
            }
            if (holdFirst && count == 0) {
                first = row;
            } else if (holdFirst && count == limit()) {
                first = null; // the (limit+1)-th: the held one is beyond the limit
                truncated = true;
                count--;
                write(row);
            } else {
                write(row);
            }
            count++;
        }

        private int limit() {
            return rsListLimit;
        }

        /** Whether one more record fits: below the limit, or at it with the held first record to drop. */
        boolean accepts() {
            return count < limit() || holdFirst && first != null;
        }

        private void write(String[] row) {
            for (int c = 0; c < width; c++) {
                if (row[c] != null) {
                    columns.add(c, row[c]);
                }
            }
        }

        private void array(JsonGenerator g, String name, int column) {
            g.writeName(name);
            columns.writeArray(g, column, first == null ? null : first[column]);
        }

        void write(JsonGenerator g, double runtime) {
            g.writeStartObject();
            if (count > 0) {
                if (recinfo) {
                    array(g, "recinfo", recinfoColumn());
                }
                g.writeName("keywords");
                g.writeStartArray();
                for (int i = 0; i < keys.size(); i++) {
                    g.writeStartObject();
                    g.writeStringProperty("name", keys.get(i));
                    array(g, "values", i);
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeName("segments");
                g.writeStartArray();
                for (int i = 0; i < segs.size(); i++) {
                    g.writeStartObject();
                    g.writeStringProperty("name", segs.get(i));
                    array(g, "values", segColumn(i, 0));
                    array(g, "dims", segColumn(i, 1));
                    array(g, "cparms", segColumn(i, 2));
                    array(g, "bzeros", segColumn(i, 3));
                    array(g, "bscales", segColumn(i, 4));
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeName("links");
                g.writeStartArray();
                for (int i = 0; i < links.size(); i++) {
                    g.writeStartObject();
                    g.writeStringProperty("name", links.get(i));
                    array(g, "values", linkColumn(i));
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            g.writeNumberProperty("count", count);
            if (truncated) {
                g.writeNumberProperty("limit", limit);
                g.writeStringProperty("warning", "the record set has more than " + limit + " records: only the "
                        + (holdFirst ? "last " : "first ") + limit + " are listed (drms.jsoc.rs-list-limit); "
                        + "use n= or a narrower query");
            }
            g.writeNumberProperty("runtime", runtime);
            g.writeNumberProperty("status", 0);
            g.writeEndObject();
        }

        @Override
        public void close() {
            columns.close();
        }
    }

    /** A keyword's value as jsoc_info reports it: always a string (MISSING for a missing value) but recnum/sunum. */
    private Object keyValue(String key, Record r, Sums.Info unit) {
        Optional<RecordFields.PseudoKey> pseudo = RecordFields.PseudoKey.of(key);
        if (pseudo.isPresent()) {
            return switch (pseudo.get()) {
                case RECNUM -> r.recnum();
                case SUNUM -> r.sunum();
                case SIZE, ONLINE, ARCHIVE -> unit == null ? "NA" : RecordFields.value(pseudo.get(), r, unit);
                case RETAIN -> unit == null ? "NA" : !unit.online() ? "N/A" : retainDate(unit.effectiveDate());
                case RECDIR -> r.directory() == null ? "" : downloadPath(r.directory());
                case SLOT, SPEC -> RecordFields.value(pseudo.get(), r, unit);
            };
        }
        if (key.equalsIgnoreCase("*dirmtime*")) {
            return dirMtime(r);
        }
        if (key.equalsIgnoreCase("*logdir*")) {
            return "No log avaliable"; // sic, JSOC's text: records keep no processing logs here
        }
        return keywordText(r, key, 0);
    }

    private static String keywordText(Record r, String key, int depth) {
        Optional<KeywordDef> k = r.series().keyword(key);
        if (k.isEmpty() || depth > 8) {
            return "Invalid KeyLink";
        }
        KeywordDef kd = k.get();
        if (kd.isLink()) {
            Optional<Record> target = r.series().link(kd.linkName()).isPresent()
                    ? r.follow(kd.linkName()) : Optional.empty();
            return target.map(t -> keywordText(t, kd.targetKeyword(), depth + 1)).orElse("Invalid KeyLink");
        }
        Object v = r.get(kd.name());
        if ((v == null || kd.type().isMissing(v)) && !kd.name().equalsIgnoreCase("QUALITY")) {
            return "MISSING";
        }
        return r.format(kd.name());
    }

    private static String retainDate(String effectiveDate) {
        if (effectiveDate == null || effectiveDate.length() < 8) {
            return "NA";
        }
        return effectiveDate.substring(0, 4) + "." + effectiveDate.substring(4, 6) + "." + effectiveDate.substring(6, 8);
    }

    private static String dirMtime(Record r) {
        if (r.directory() == null) {
            return "NA";
        }
        try {
            return java.time.format.DateTimeFormatter.ofPattern("yyyy.MM.dd_HH:mm:ss")
                    .withZone(java.time.ZoneOffset.UTC).format(Files.getLastModifiedTime(r.directory()).toInstant())
                    + "_UTC";
        } catch (IOException e) {
            return "NA";
        }
    }

    private record SegmentValue(String path, String dims, String cparms, String bzero, String bscale,
                                boolean online) {
    }

    private SegmentValue segmentValue(String name, Record r) {
        Optional<SegmentDef> found = r.series().segment(name);
        if (found.isEmpty()) {
            return new SegmentValue("InvalidSegName", "NA", null, null, null, false);
        }
        SegmentDef s = found.get();
        Record holder = r;
        SegmentDef held = s;
        for (int depth = 0; held.isLink(); depth++) {
            Optional<Record> target = depth > 8 ? Optional.empty() : holder.follow(held.linkName());
            if (target.isEmpty()) {
                return new SegmentValue("BadSegLink", "NA", null, null, null, false);
            }
            holder = target.get();
            Optional<SegmentDef> t = holder.series().segment(held.targetSegment());
            if (t.isEmpty()) {
                return new SegmentValue("BadSegLink", "NA", null, null, null, false);
            }
            held = t.get();
        }
        String path;
        boolean online = false;
        if (holder.directory() == null) {
            path = "NoDataDirectory";
        } else {
            String file = holder.segmentFile(held.name());
            path = downloadPath(holder.directory()) + "/" + (file == null ? "" : file);
            online = true;
        }
        String dims = java.util.Arrays.stream(holder.dimensions(held.name())).mapToObj(Integer::toString)
                .collect(Collectors.joining("x"));
        String cparms = held.cparms() == null || held.cparms().isBlank() ? null : held.cparms();
        String bzero = holder.series().keyword(held.name() + "_bzero").isPresent()
                ? holder.format(held.name() + "_bzero") : null;
        String bscale = holder.series().keyword(held.name() + "_bscale").isPresent()
                ? holder.format(held.name() + "_bscale") : null;
        return new SegmentValue(path, dims, cparms, bzero, bscale, online);
    }

    private String linkValue(String name, Record r) {
        Optional<LinkDef> l = r.series().link(name);
        if (l.isEmpty()) {
            return "Invalid_Link";
        }
        return r.follow(l.get().name())
                .map(t -> l.get().isStatic() ? RecordFields.recnumSpec(t) : RecordFields.spec(t))
                .orElse("Invalid_Link");
    }

    private String downloadPath(Path p) {
        return downloads.shown(p);
    }

    // ------------------------------------------------------------------------------------------ helpers

    /** A key/seg/link list: comma-separated names; {@code **ALL**} all, {@code **NONE**} none; absent: none. */
    private static List<String> names(String list, List<String> all) {
        List<String> out = new ArrayList<>();
        if (list == null) {
            return out;
        }
        for (String name : list.split(",")) {
            String n = name.trim();
            if (n.isEmpty()) {
                continue;
            }
            if (n.equals("**NONE**")) {
                return new ArrayList<>();
            }
            if (n.equals("**ALL**")) {
                out.addAll(all);
            } else {
                out.add(n);
            }
        }
        return out;
    }

    private static Map<String, Object> named(String name, String key, Object values) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put(key, values);
        return m;
    }

    private SeriesDefinition series(String name, String notFound) {
        try {
            return drms.describeSeries(name);
        } catch (DrmsException e) {
            if (e.getCause() == null) {
                throw new SeriesNotFound(notFound);
            }
            throw e;
        }
    }

    /** An unknown series, answered with JSOC's text. */
    private static final class SeriesNotFound extends RuntimeException {
        SeriesNotFound(String message) {
            super(message);
        }
    }

    private static int intParam(Map<String, String> params, String name) {
        String v = params.get(name);
        if (v == null || v.isBlank()) {
            return 0;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new DrmsException(name + "= must be an integer, not '" + v + "'");
        }
    }

    private static Map<String, Object> error(int status, String message) {
        return JsocJson.error(status, message);
    }

    static double runtime(long startNanos) {
        return Math.round((System.nanoTime() - startNanos) / 1e6) / 1000.0;
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
